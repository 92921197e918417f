"""Input and output shapes of compensation, approvals and limits. Shapes only: rules live in services."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.api.serializers import (
    CodeField,
    ComplaintDetailSerializer,
    CustomerSerializer,
    RespondInputSerializer,
    StrictUUIDField,
)
from complaints.models import Complaint, ComplaintStatus
from recovery import selectors
from recovery.models import ApprovalRequest, ApprovalStatus, CompensationAction, CompensationKind, Notification
from recovery.policies import left_for_customer, left_today
from staff.models import Role, Store, User
from staff.selectors import stores_visible_to

MONEY = {"max_digits": 12, "decimal_places": 2}


class MoneyField(serializers.DecimalField):
    """An amount in the store's currency: a decimal string (``"49.50"``) or number, never negative."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**MONEY, min_value=Decimal(0), **kwargs)

    def to_internal_value(self, data):
        # A float would round money (0.1 + 0.2); JSON numbers are read as their decimal text.
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- Input --------------------------------------------------------------------------------------


class CompensationLineInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CompensationKind.choices)
    amount = MoneyField(help_text="In the store's currency; 0 only for a free item or gift of no set value.")
    note = serializers.CharField(max_length=1_000, required=False, allow_blank=True, default="")


class RespondWithCompensationInputSerializer(RespondInputSerializer):
    compensation = CompensationLineInputSerializer(
        many=True,
        required=False,
        default=list,
        max_length=10,
        help_text="Granted at once within your limits; above them the complaint waits for approval.",
    )


class CompensateInputSerializer(serializers.Serializer):
    compensation = CompensationLineInputSerializer(many=True, min_length=1, max_length=10)
    note = serializers.CharField(max_length=5_000, required=False, allow_blank=True, default="")


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
            raise serializers.ValidationError({"pin": "Give both the approver and their PIN, or neither."})
        return attrs


class ApproveInputSerializer(InPersonInputSerializer):
    note = serializers.CharField(max_length=5_000, required=False, allow_blank=True, default="")


class RejectInputSerializer(InPersonInputSerializer):
    reason = serializers.CharField(max_length=5_000, help_text="Why: the employee will respond otherwise.")


class MyLimitsQuerySerializer(serializers.Serializer):
    store = CodeField(
        noun="store",
        slug_field="code",
        queryset=Store.objects.none(),
        required=False,
        help_text="Store code; defaults to yours (managers and admins: required).",
    )
    complaint = StrictUUIDField(required=False, help_text="A complaint: its store, and what is left for its customer.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user := self.context.get("user"):  # only the caller's stores are known to them
            self.fields["store"].queryset = stores_visible_to(user)


class ApprovalPinInputSerializer(serializers.Serializer):
    pin = serializers.RegexField(r"^[0-9]{4,12}$", write_only=True, help_text="4 to 12 digits.")
    password = serializers.CharField(max_length=128, write_only=True, help_text="Your password, to prove it is you.")


# --- Output -------------------------------------------------------------------------------------


class CompensationActionSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY, read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    granted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CompensationAction
        fields = [
            "id",
            "kind",
            "amount",
            "currency",
            "note",
            "status",
            "requested_by",
            "granted_by",
            "granted_at",
            "outside_guideline",
            "approval",
        ]
        read_only_fields = fields


class ExcessSerializer(serializers.Serializer):
    limit = serializers.ChoiceField(
        choices=["per_action", "per_day", "per_customer", "kind"], help_text="Which limit was exceeded."
    )
    max = serializers.DecimalField(**MONEY, required=False, help_text="The limit.")
    requested = serializers.DecimalField(**MONEY, required=False, help_text="What it would have come to.")
    over = serializers.DecimalField(**MONEY, required=False, help_text="By how much.")
    detail = serializers.CharField(required=False)


class PendingApprovalSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    exceeded = ExcessSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = ["id", "approver_role", "exceeded", "requested_by", "created_at"]
        read_only_fields = fields


class GuidelineSerializer(serializers.Serializer):
    min_amount = serializers.DecimalField(**MONEY)
    max_amount = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    note = serializers.CharField()


class ComplaintRecoveryDetailSerializer(ComplaintDetailSerializer):
    """The complaint with its timeline, compensation, the suggested range and any pending approval."""

    compensation = serializers.SerializerMethodField()
    compensation_guideline = serializers.SerializerMethodField(
        help_text="The usual compensation for this category and severity; null if none is set."
    )
    pending_approval = serializers.SerializerMethodField(help_text="The request the complaint waits on, if any.")

    class Meta(ComplaintDetailSerializer.Meta):
        fields = [*ComplaintDetailSerializer.Meta.fields, "compensation", "compensation_guideline", "pending_approval"]
        read_only_fields = fields

    @extend_schema_field(CompensationActionSerializer(many=True))
    def get_compensation(self, complaint: Complaint) -> list:
        return CompensationActionSerializer(selectors.compensation_of(complaint), many=True).data

    @extend_schema_field(GuidelineSerializer(allow_null=True))
    def get_compensation_guideline(self, complaint: Complaint) -> dict | None:
        guideline = selectors.guideline_for(complaint)
        if guideline is None:
            return None
        return GuidelineSerializer(
            {
                "min_amount": guideline.min_amount,
                "max_amount": guideline.max_amount,
                "currency": complaint.store.currency,
                "note": guideline.note,
            }
        ).data

    @extend_schema_field(PendingApprovalSerializer(allow_null=True))
    def get_pending_approval(self, complaint: Complaint) -> dict | None:
        if complaint.status != ComplaintStatus.AWAITING_APPROVAL:
            return None
        approval = selectors.pending_approval_of(complaint)
        return PendingApprovalSerializer(approval).data if approval else None


class ApprovalComplaintSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer = CustomerSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Complaint
        fields = ["id", "reference", "store", "category", "severity", "status", "description", "customer"]
        read_only_fields = fields


class CustomerHistorySerializer(serializers.Serializer):
    complaints = serializers.IntegerField(help_text="Complaints logged by this customer in the last 30 days.")
    granted = serializers.DecimalField(**MONEY, help_text="Compensation granted to them in the last 30 days.")


class RequesterTodaySerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
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
        return (
            approval.status == ApprovalStatus.PENDING
            and approval.requested_by_id != user.pk
            and user.has_role_at_least(Role(approval.approver_role))
        )


class ApprovalEscalatedSerializer(serializers.Serializer):
    code = serializers.CharField(default="approval_escalated")
    detail = serializers.CharField()
    escalated_to = serializers.ChoiceField(choices=Role.choices, help_text="The role that must decide it now.")
    exceeded = ExcessSerializer(many=True, help_text="Which of the approver's own limits it went over.")
    approval = ApprovalSerializer()


class PerActionLimitSerializer(serializers.Serializer):
    max = serializers.DecimalField(**MONEY, allow_null=True, help_text="null: no limit.")


class LimitSerializer(PerActionLimitSerializer):
    used = serializers.DecimalField(**MONEY, allow_null=True, help_text="null: not known (no customer given).")
    left = serializers.DecimalField(**MONEY, allow_null=True, help_text="null: no limit, or not known.")


class MyLimitsSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    store = serializers.CharField(help_text="The store these limits apply in (a store may override them).")
    currency = serializers.CharField()
    business_day = serializers.DateField(help_text="Today, in the store's time zone.")
    allowed_kinds = serializers.ListField(child=serializers.ChoiceField(choices=CompensationKind.choices))
    allow_zero_amount = serializers.BooleanField()
    per_action = PerActionLimitSerializer()
    per_day = LimitSerializer(help_text="What you granted this business day, and what is left.")
    per_customer_30_days = LimitSerializer(
        help_text="With `complaint`: what its customer got in 30 days (all staff), and what is left."
    )

    @staticmethod
    def from_report(report: selectors.LimitsReport) -> dict:
        limits, usage = report.limits, report.usage
        return {
            "role": limits.role,
            "store": report.store.code,
            "currency": report.store.currency,
            "business_day": report.business_day,
            "allowed_kinds": sorted(limits.allowed_kinds),
            "allow_zero_amount": limits.allow_zero_amount,
            "per_action": {"max": limits.max_per_action},
            "per_day": {"max": limits.max_per_day, "used": usage.granted_today, "left": left_today(limits, usage)},
            "per_customer_30_days": {
                "max": limits.max_per_customer,
                "used": usage.customer_30_days,
                "left": left_for_customer(limits, usage),
            },
        }


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
