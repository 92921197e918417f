"""Shapes of the approval queue and its decisions. Shapes only: who may decide is ``recovery.compensation.policies``."""

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.customers.serializers import CustomerFlagsSerializer
from api.serializers import MONEY, CompensationActionSerializer, ExcessSerializer, MaskedCustomerSerializer
from complaints.limits import TEXT_MAX_CHARS
from complaints.models import Complaint
from core.rest.fields import ChoiceField, CodeField
from recovery.compensation import policies
from recovery.customers import selectors as customer_selectors
from recovery.models import ApprovalRequest, ApprovalStatus
from staff.models import Role, User


class InPersonInputSerializer(serializers.Serializer):
    """An approver standing by decides on the requester's tablet, with their own PIN."""

    approver = CodeField(
        noun="user",
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="In person: the approver's username (with `pin`), on the requester's session.",
    )
    pin = serializers.CharField(max_length=12, required=False, write_only=True, help_text="The approver's PIN.")

    def validate(self, attrs: dict) -> dict:
        if ("approver" in attrs) != ("pin" in attrs):
            raise serializers.ValidationError({"pin": _("Give both the approver and their PIN, or neither.")})
        return attrs


class ApproveInputSerializer(InPersonInputSerializer):
    note = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True, default="")


class RejectInputSerializer(InPersonInputSerializer):
    reason = serializers.CharField(max_length=TEXT_MAX_CHARS, help_text="Why: the employee will respond otherwise.")


# --- Output -------------------------------------------------------------------------------------


class ApprovalComplaintSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer = MaskedCustomerSerializer(read_only=True, allow_null=True, help_text="Phone and email masked.")

    class Meta:
        model = Complaint
        fields = ["id", "reference", "store", "category", "severity", "status", "description", "customer"]
        read_only_fields = fields


class CustomerHistorySerializer(serializers.Serializer):
    complaints = serializers.IntegerField(help_text="Complaints logged by this customer in the last 30 days.")
    granted = serializers.DecimalField(**MONEY, help_text="Compensation granted to them in the last 30 days.")


class RequesterTodaySerializer(serializers.Serializer):
    username = serializers.CharField()
    role = ChoiceField(choices=Role.choices)
    granted = serializers.DecimalField(**MONEY, help_text="Granted by the requester this business day.")
    max_per_day = serializers.DecimalField(**MONEY, allow_null=True)


class ApprovalSerializer(serializers.ModelSerializer):
    """One approval request as an approver sees it: enough to decide without opening anything else."""

    complaint = ApprovalComplaintSerializer(read_only=True)
    compensation = CompensationActionSerializer(source="actions", many=True, read_only=True)
    total = serializers.SerializerMethodField()
    currency = serializers.CharField(source="store.currency", read_only=True)
    exceeded = ExcessSerializer(many=True, read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    customer_30_days = serializers.SerializerMethodField()
    customer_flags = serializers.SerializerMethodField(help_text="The customer's flags; null without a customer.")
    requester_today = serializers.SerializerMethodField()
    can_decide = serializers.SerializerMethodField(help_text="Whether the caller may approve or reject it now.")
    due_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it goes up a level if undecided; null once decided."
    )

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "status",
            "approver_role",
            "can_decide",
            "complaint",
            "compensation",
            "total",
            "currency",
            "exceeded",
            "resolution",
            "note",
            "requested_by",
            "created_at",
            "due_at",
            "customer_30_days",
            "customer_flags",
            "requester_today",
            "decided_by",
            "decided_at",
            "decision_note",
            "in_person",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_total(self, approval: ApprovalRequest) -> str:
        total = sum((action.amount for action in approval.actions.all()), Decimal(0))
        return serializers.DecimalField(**MONEY).to_representation(total)

    @extend_schema_field(CustomerHistorySerializer(allow_null=True))
    def get_customer_30_days(self, approval: ApprovalRequest) -> dict | None:
        if approval.complaint.customer_id is None:
            return None
        return CustomerHistorySerializer(
            {"complaints": approval.customer_complaints_30_days, "granted": approval.customer_granted_30_days}
        ).data

    @extend_schema_field(CustomerFlagsSerializer(allow_null=True))
    def get_customer_flags(self, approval: ApprovalRequest) -> dict | None:
        if approval.complaint.customer_id is None:
            return None
        return CustomerFlagsSerializer(customer_selectors.CustomerFlags.of(approval)).data

    @extend_schema_field(RequesterTodaySerializer)
    def get_requester_today(self, approval: ApprovalRequest) -> dict:
        requester = approval.requested_by
        limits = self.context["policies"].limits(role=requester.role, store_id=approval.store_id)
        return RequesterTodaySerializer(
            {
                "username": requester.username,
                "role": requester.role,
                "granted": approval.requester_granted_today,
                "max_per_day": limits.max_per_day,
            }
        ).data

    def get_can_decide(self, approval: ApprovalRequest) -> bool:
        user = self.context["user"]
        return approval.status == ApprovalStatus.PENDING and not policies.decision_refusal(
            decider_id=user.pk,
            decider_role=user.role,
            requested_by_id=approval.requested_by_id,
            approver_role=approval.approver_role,
        )


class ApprovalEscalatedSerializer(serializers.Serializer):
    code = serializers.CharField(default="approval_escalated")
    detail = serializers.CharField()
    escalated_to = ChoiceField(choices=Role.choices, help_text="The role that must decide it now.")
    exceeded = ExcessSerializer(many=True, help_text="Which of the approver's own limits it went over.")
    approval = ApprovalSerializer()
