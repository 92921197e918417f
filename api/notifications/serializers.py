"""The shape of a notification in the caller's inbox."""

from rest_framework import serializers

from recovery.models import Notification
from recovery.notices import reading
from recovery.notices.reading import Notice


class NotificationSerializer(serializers.ModelSerializer):
    complaint = serializers.PrimaryKeyRelatedField(read_only=True)
    reference = serializers.CharField(source="complaint.reference", read_only=True)
    text = serializers.SerializerMethodField(
        help_text="What happened, said in the reader's language (as the inbox says it); `kind` is the code."
    )
    outcome = serializers.SerializerMethodField(help_text="A request's decision once made, else empty.")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "complaint", "reference", "step", "level", "text", "outcome", "created_at", "read"]
        read_only_fields = fields

    def _said(self, notification: Notification) -> Notice:
        """The notice as its reader reads it, from the context's ``said`` (said for a whole page at once)."""
        return self.context["said"][notification.pk]

    def get_text(self, notification: Notification) -> str:
        return self._said(notification).text

    def get_outcome(self, notification: Notification) -> str:
        return self._said(notification).outcome

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


def notifications_data(notifications: list[Notification]) -> list[dict]:
    """``notifications`` as the API answers them, each said in the reader's language."""
    said = {notice.notification.pk: notice for notice in reading.notices(notifications)}
    return NotificationSerializer(notifications, many=True, context={"said": said}).data
