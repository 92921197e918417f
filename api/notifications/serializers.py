"""The shape of a notification in the caller's inbox."""

from rest_framework import serializers

from recovery.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    complaint = serializers.PrimaryKeyRelatedField(read_only=True)
    reference = serializers.CharField(source="complaint.reference", read_only=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "complaint", "reference", "step", "level", "text", "created_at", "read"]
        read_only_fields = fields

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None
