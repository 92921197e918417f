"""Input and output shapes of complaints and their steps. Shapes only: the rules live in services.

The complaint in detail is composed here from both domain apps: the record, its timeline and due
times (complaints), its compensation, guideline and pending approval (recovery).
"""

from dataclasses import asdict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.customers.serializers import CustomerFlagsSerializer
from api.serializers import (
    MONEY,
    CompensationActionSerializer,
    CustomerSerializer,
    ExcessSerializer,
    MaskedCustomerSerializer,
    MoneyField,
)
from complaints import selectors as complaint_selectors
from complaints import states, supervision
from complaints.customers import normalize_phone
from complaints.limits import CUSTOMER_WORDS_MAX_CHARS, LINE_NOTE_MAX_CHARS, REASON_MAX_CHARS, TEXT_MAX_CHARS
from complaints.models import (
    BlueprintArea,
    Category,
    Channel,
    ClosureCode,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Deadline,
    ServqualDimension,
    Severity,
    SlaPolicy,
    Stage,
)
from core.rest.fields import ChoiceField, CodeField, StrictUUIDField
from core.rest.serializers import FieldsBuiltOnce
from recovery.actions import available_actions
from recovery.approvals import selectors as approval_selectors
from recovery.compensation import selectors as compensation_selectors
from recovery.customers import selectors as customer_selectors
from recovery.models import ApprovalRequest, CompensationKind, SurveyInvitation
from recovery.surveys import invitations
from recovery.surveys import selectors as survey_selectors
from staff.models import Store, User

# --- Input ------------------------------------------------------------------------------------


class CompensationLineInputSerializer(serializers.Serializer):
    kind = ChoiceField(choices=CompensationKind.choices)
    amount = MoneyField(help_text="In the store's currency; 0 only for a free item or gift of no set value.")
    note = serializers.CharField(max_length=LINE_NOTE_MAX_CHARS, required=False, allow_blank=True, default="")


class CustomerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")

    def validate_phone(self, value: str) -> str:
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class ComplaintCreateInputSerializer(serializers.Serializer):
    id = StrictUUIDField(required=False, help_text="Choose it on the client to make retries safe.")
    store = CodeField(
        noun="store",
        slug_field="code",
        queryset=Store.objects.all(),
        required=False,
        help_text="Store code; defaults to the caller's store.",
    )
    channel = ChoiceField(choices=Channel.choices, default=Channel.IN_PERSON)
    category = CodeField(
        noun="category",
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        lookup=complaint_selectors.category_active,
    )
    severity = ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)
    stage = ChoiceField(choices=Stage.choices, default=Stage.IN_SALE)
    servqual_dimension = ChoiceField(choices=ServqualDimension.choices, required=False, allow_blank=True, default="")
    blueprint_area = ChoiceField(choices=BlueprintArea.choices, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=CUSTOMER_WORDS_MAX_CHARS, help_text="The customer's own words.")
    desired_outcome = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True, default="")
    customer = CustomerInputSerializer(required=False, allow_null=True)
    contact_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The customer agrees to be contacted about this complaint (the follow-up survey) at the "
        "phone or email given: needs one of them.",
    )
    assignee = CodeField(
        noun="user",
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="Username; defaults to the caller (assigning others needs supervisor or above).",
    )


class ApologizeInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True, default="")


class RespondInputSerializer(serializers.Serializer):
    resolution = serializers.CharField(
        max_length=TEXT_MAX_CHARS, help_text="What was done, or committed to, for the customer."
    )
    note = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True, default="")
    compensation = CompensationLineInputSerializer(
        many=True,
        required=False,
        default=list,
        max_length=10,
        help_text="Granted at once within your limits; above them the complaint waits for approval.",
    )


class FollowUpInputSerializer(serializers.Serializer):
    outcome = serializers.CharField(
        max_length=TEXT_MAX_CHARS, required=False, allow_blank=True, default="", help_text="What the customer said."
    )
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True, default="")


class CloseInputSerializer(serializers.Serializer):
    closure_code = ChoiceField(choices=ClosureCode.choices)
    servqual_dimension = ChoiceField(
        choices=ServqualDimension.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required unless set before.",
    )
    blueprint_area = ChoiceField(
        choices=BlueprintArea.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required unless set before.",
    )
    note = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True, default="")


class ReopenInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX_CHARS)


class HoldInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_CHARS, help_text="What the customer is to come back with.")
    until = serializers.DateTimeField(
        help_text=f"When to resume if nobody does before: at most {supervision.MAX_HOLD.days} days ahead, "
        f"{supervision.FRONTLINE_MAX_HOLD.days} for frontline staff."
    )


class ResumeInputSerializer(serializers.Serializer):
    pass


class SurveySendInputSerializer(serializers.Serializer):
    pass


class SeverityInputSerializer(serializers.Serializer):
    severity = ChoiceField(choices=Severity.choices)
    reason = serializers.CharField(max_length=REASON_MAX_CHARS, required=False, allow_blank=True, default="")


class AssignInputSerializer(serializers.Serializer):
    assignee = CodeField(noun="user", slug_field="username", queryset=User.objects.filter(is_active=True))


class CompensateInputSerializer(serializers.Serializer):
    compensation = CompensationLineInputSerializer(many=True, min_length=1, max_length=10)
    note = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, allow_blank=True, default="")


# --- Output -----------------------------------------------------------------------------------


class EventSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    status_before = ChoiceField(choices=ComplaintStatus.choices, allow_blank=True, read_only=True)
    status_after = ChoiceField(choices=ComplaintStatus.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ComplaintEvent
        fields = ["kind", "actor", "at", "status_before", "status_after", "data"]


class DeadlineSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    paused = serializers.SerializerMethodField()

    class Meta:
        model = Deadline
        fields = ["step", "due_at", "remind_at", "level", "paused", "clock"]
        read_only_fields = fields

    def get_paused(self, deadline: Deadline) -> bool:
        return deadline.paused_at is not None


class ComplaintSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Declared so that the schema says what the API sends: "" until these are known.
    servqual_dimension = ChoiceField(choices=ServqualDimension.choices, allow_blank=True, read_only=True)
    blueprint_area = ChoiceField(choices=BlueprintArea.choices, allow_blank=True, read_only=True)
    closure_code = ChoiceField(choices=ClosureCode.choices, allow_blank=True, read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer = MaskedCustomerSerializer(read_only=True, allow_null=True, help_text="Phone and email masked.")
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    allowed_steps = serializers.SerializerMethodField(help_text="The steps that may be taken next.")
    overdue = serializers.BooleanField(read_only=True, help_text="A due time has passed with its step undone.")
    next_due_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="The nearest open due time.")

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "store",
            "channel",
            "category",
            "severity",
            "stage",
            "servqual_dimension",
            "blueprint_area",
            "description",
            "desired_outcome",
            "customer",
            "contact_consent",
            "assignee",
            "created_by",
            "status",
            "allowed_steps",
            "resolution",
            "follow_up_outcome",
            "satisfaction",
            "closure_code",
            "escalation_level",
            "overdue",
            "next_due_at",
            "on_hold_until",
            "hold_reason",
            "created_at",
            "updated_at",
            "apologized_at",
            "responded_at",
            "followed_up_at",
            "closed_at",
            "reopened_at",
        ]
        read_only_fields = fields

    def get_allowed_steps(self, complaint: Complaint) -> list[str]:
        return states.allowed_steps(complaint.status)


class PendingApprovalSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    exceeded = ExcessSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = ["id", "approver_role", "exceeded", "requested_by", "created_at"]
        read_only_fields = fields


class SurveySerializer(serializers.ModelSerializer):
    sent_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    emailed = serializers.SerializerMethodField(
        help_text="Sent to the customer's email (else shown as a QR code only)."
    )
    emailed_at = serializers.SerializerMethodField(
        help_text="When the email went out; null while it waits to be sent, or when it was not emailed."
    )
    answerable = serializers.SerializerMethodField(help_text="The customer may answer it now.")
    url = serializers.SerializerMethodField(help_text="The link, while it may be answered (to show as a QR code).")

    class Meta:
        model = SurveyInvitation
        fields = [
            "sent_at",
            "sent_by",
            "expires_at",
            "emailed",
            "emailed_at",
            "answerable",
            "url",
            "answered_at",
            "solved",
            "score",
            "comment",
        ]
        read_only_fields = fields

    def get_emailed(self, invitation: SurveyInvitation) -> bool:
        return bool(invitation.emailed_to)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_emailed_at(self, invitation: SurveyInvitation) -> str | None:
        # Read with the invitation (recovery.surveys.selectors); one just sent has not gone out yet.
        emailed_at = getattr(invitation, "emailed_at", None)
        return serializers.DateTimeField().to_representation(emailed_at) if emailed_at else None

    def get_answerable(self, invitation: SurveyInvitation) -> bool:
        return invitations.survey_refusal(invitation, invitation.complaint, now=timezone.now()) is None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, invitation: SurveyInvitation) -> str | None:
        return invitations.survey_url(invitation) if self.get_answerable(invitation) else None


class GuidelineSerializer(serializers.Serializer):
    min_amount = serializers.DecimalField(**MONEY)
    max_amount = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    note = serializers.CharField()


class AvailableActionsSerializer(serializers.Serializer):
    """What the caller may do with the complaint now (``recovery.actions.available_actions``); the service
    that does it still has the last word."""

    steps = serializers.ListField(
        child=serializers.ChoiceField(choices=list(states.STEPS)), help_text="The flow's steps allowed now."
    )
    hold = serializers.BooleanField(
        help_text=f"Put it on hold (frontline staff: not a complaint held {supervision.FRONTLINE_HOLDS} times already)."
    )
    resume = serializers.BooleanField(help_text="Take it off hold.")
    severities = serializers.ListField(
        child=serializers.ChoiceField(choices=Severity.choices),
        help_text="The severities you may re-grade it to now (lowering it needs a supervisor, manager or admin).",
    )
    reassign = serializers.BooleanField(help_text="Give it to someone else of its store.")
    take_over = serializers.BooleanField(help_text="Take it yourself.")
    decide = serializers.BooleanField(help_text="Approve or reject the request it waits on.")
    decide_in_person = serializers.BooleanField(help_text="Have an approver decide it on your tablet (yours).")
    contact = serializers.BooleanField(help_text="Send the customer the survey link.")


class ComplaintDetailSerializer(ComplaintSerializer):
    """The complaint with its timeline, compensation, the suggested range and any pending approval."""

    customer = CustomerSerializer(read_only=True, allow_null=True)
    customer_flags = serializers.SerializerMethodField(help_text="The customer's flags; null without a customer.")
    events = EventSerializer(many=True, read_only=True)
    deadlines = DeadlineSerializer(source="open_deadlines", many=True, read_only=True, help_text="Open due times.")
    compensation = serializers.SerializerMethodField()
    compensation_guideline = serializers.SerializerMethodField(
        help_text="The usual compensation for this category and severity; null if none is set."
    )
    pending_approval = serializers.SerializerMethodField(help_text="The request the complaint waits on, if any.")
    survey = serializers.SerializerMethodField(
        help_text="The last follow-up survey sent, and its answer; null if none."
    )
    available_actions = serializers.SerializerMethodField(help_text="What the caller may do with it now.")

    class Meta(ComplaintSerializer.Meta):
        fields = [
            *ComplaintSerializer.Meta.fields,
            "customer_flags",
            "deadlines",
            "events",
            "compensation",
            "compensation_guideline",
            "pending_approval",
            "survey",
            "available_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(CustomerFlagsSerializer(allow_null=True))
    def get_customer_flags(self, complaint: Complaint) -> dict | None:
        return _customer_flags_data(complaint)

    @extend_schema_field(CompensationActionSerializer(many=True))
    def get_compensation(self, complaint: Complaint) -> list:
        return CompensationActionSerializer(compensation_selectors.compensation_of(complaint), many=True).data

    @extend_schema_field(GuidelineSerializer(allow_null=True))
    def get_compensation_guideline(self, complaint: Complaint) -> dict | None:
        return _guideline_data(complaint)

    @extend_schema_field(PendingApprovalSerializer(allow_null=True))
    def get_pending_approval(self, complaint: Complaint) -> dict | None:
        return _pending_approval_data(approval_selectors.pending_approval_of(complaint))

    @extend_schema_field(AvailableActionsSerializer)
    def get_available_actions(self, complaint: Complaint) -> dict:
        user = self.context["request"].user
        return _available_actions_data(user, complaint, approval_selectors.pending_approval_of(complaint))

    @extend_schema_field(SurveySerializer(allow_null=True))
    def get_survey(self, complaint: Complaint) -> dict | None:
        return _survey_data(complaint)


# --- The complaint in detail, as plain data -----------------------------------------------------------
#
# Every answer about one complaint (its create, each step, a read) has ComplaintDetailSerializer's shape.
# DRF builds that serializer's fields and nested serializers again for each answer, copying each declared
# field: for a create that cost more than the create's own work. complaint_detail_data builds the same
# data directly. The serializer stays as the shape's description (the OpenAPI schema and the reference),
# and tests/api/test_complaint_detail_data.py holds the two equal for complaints in every state.

_TIME = serializers.DateTimeField(read_only=True)  # DRF's own formatting: ISO 8601, the current zone, "Z"
_MONEY = serializers.DecimalField(**MONEY, read_only=True)


def _time(value) -> str | None:
    return None if value is None else _TIME.to_representation(value)


def complaint_detail_data(complaint: Complaint, *, user: User) -> dict:
    """``ComplaintDetailSerializer(complaint).data`` for ``user``, built without DRF's per-answer field copies;
    ``complaint`` as ``selectors.complaint_get`` or ``complaint_as_written`` gives it."""
    customer = complaint.customer
    pending = approval_selectors.pending_approval_of(complaint)
    created_by = complaint.created_by
    return {
        "id": str(complaint.id),
        "reference": complaint.reference,
        "store": complaint.store.code,
        "channel": complaint.channel,
        "category": complaint.category.code,
        "severity": complaint.severity,
        "stage": complaint.stage,
        "servqual_dimension": complaint.servqual_dimension,
        "blueprint_area": complaint.blueprint_area,
        "description": complaint.description,
        "desired_outcome": complaint.desired_outcome,
        "customer": None
        if customer is None
        else {"id": customer.id, "name": customer.name, "phone": customer.phone, "email": customer.email},
        "contact_consent": complaint.contact_consent,
        "assignee": complaint.assignee.username,
        "created_by": None if created_by is None else created_by.username,
        "status": complaint.status,
        "allowed_steps": states.allowed_steps(complaint.status),
        "resolution": complaint.resolution,
        "follow_up_outcome": complaint.follow_up_outcome,
        "satisfaction": complaint.satisfaction,
        "closure_code": complaint.closure_code,
        "escalation_level": complaint.escalation_level,
        "overdue": bool(complaint.overdue),
        "next_due_at": _time(complaint.next_due_at),
        "on_hold_until": _time(complaint.on_hold_until),
        "hold_reason": complaint.hold_reason,
        "created_at": _time(complaint.created_at),
        "updated_at": _time(complaint.updated_at),
        "apologized_at": _time(complaint.apologized_at),
        "responded_at": _time(complaint.responded_at),
        "followed_up_at": _time(complaint.followed_up_at),
        "closed_at": _time(complaint.closed_at),
        "reopened_at": _time(complaint.reopened_at),
        "customer_flags": _customer_flags_data(complaint),
        "deadlines": [
            {
                "step": deadline.step,
                "due_at": _time(deadline.due_at),
                "remind_at": _time(deadline.remind_at),
                "level": deadline.level,
                "paused": deadline.paused_at is not None,
                "clock": deadline.clock,
            }
            for deadline in complaint.open_deadlines
        ],
        "events": [
            {
                "kind": event.kind,
                "actor": None if event.actor is None else event.actor.username,
                "at": _time(event.at),
                "status_before": event.status_before,
                "status_after": event.status_after,
                "data": event.data,
            }
            for event in complaint.events.all()
        ],
        "compensation": [
            {
                "id": action.id,
                "kind": action.kind,
                "amount": _MONEY.to_representation(action.amount),
                "currency": action.currency,
                "note": action.note,
                "status": action.status,
                "requested_by": action.requested_by.username,
                "granted_by": None if action.granted_by is None else action.granted_by.username,
                "granted_at": _time(action.granted_at),
                "above_guideline": action.above_guideline,
                "far_above_guideline": action.far_above_guideline,
                "approval": None if action.approval_id is None else str(action.approval_id),
            }
            for action in compensation_selectors.compensation_of(complaint)
        ],
        "compensation_guideline": _guideline_data(complaint),
        "pending_approval": _pending_approval_data(pending),
        "survey": _survey_data(complaint),
        "available_actions": _available_actions_data(user, complaint, pending),
    }


def _customer_flags_data(complaint: Complaint) -> dict | None:
    flags = customer_selectors.customer_flags(complaint.customer)
    if flags is None:
        return None
    return {
        "repeat_complainant": flags.repeat_complainant,
        "unusual_compensation": flags.unusual_compensation,
        "complaints_90_days": flags.complaints_90_days,
        "complaints_365_days": flags.complaints_365_days,
        "above_guideline_365_days": flags.above_guideline_365_days,
    }


def _guideline_data(complaint: Complaint) -> dict | None:
    guideline = compensation_selectors.guideline_for(complaint)
    if guideline is None:
        return None
    return {
        "min_amount": _MONEY.to_representation(guideline.min_amount),
        "max_amount": _MONEY.to_representation(guideline.max_amount),
        "currency": complaint.store.currency,
        "note": guideline.note,
    }


def _pending_approval_data(approval: ApprovalRequest | None) -> dict | None:
    return PendingApprovalSerializer(approval).data if approval else None


def _available_actions_data(user: User, complaint: Complaint, pending: ApprovalRequest | None) -> dict:
    actions = available_actions(user=user, complaint=complaint, pending=pending)
    return {**asdict(actions), "steps": list(actions.steps), "severities": list(actions.severities)}


def _survey_data(complaint: Complaint) -> dict | None:
    invitation = survey_selectors.survey_latest_of(complaint)
    if invitation is None:
        return None
    invitation.complaint = complaint  # what it asks about is this complaint, as read
    return SurveySerializer(invitation).data


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name_en", "name_zh"]


class SlaPolicySerializer(serializers.ModelSerializer):
    """Windows in seconds; severity and channel name the policy and do not change."""

    window = {"min_value": 60, "max_value": 90 * 24 * 60 * 60}
    apologize_within = serializers.IntegerField(**window)
    respond_within = serializers.IntegerField(**window)
    follow_up_after = serializers.IntegerField(**window)
    approval_within = serializers.IntegerField(**window)
    escalate_every = serializers.IntegerField(**window)
    channel = ChoiceField(choices=Channel.choices, allow_null=True, read_only=True)
    tier = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The customer tier (A/B/C); null: any tier."
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "severity",
            "channel",
            "tier",
            "apologize_within",
            "respond_within",
            "follow_up_after",
            "approval_within",
            "escalate_every",
        ]
        read_only_fields = ["id", "severity", "channel", "tier"]
