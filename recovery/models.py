"""What is decided about a complaint: compensation, the limits on it, and approvals above them."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Complaint, Customer, CustomerTier, Deadline, DeadlineStep, Severity
from core.audit import audited
from staff.models import Role, Store


class CompensationKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    VOUCHER = "voucher", _("Voucher")
    FREE_ITEM = "free_item", _("Free item")
    DISCOUNT = "discount", _("Discount")
    REPLACEMENT = "replacement", _("Replacement")
    GIFT = "gift", _("Gift")


# Kinds that can be of no set value (a free dessert): only these may be granted at zero.
ZERO_AMOUNT_KINDS = frozenset({CompensationKind.FREE_ITEM, CompensationKind.GIFT})

MONEY = {"max_digits": 12, "decimal_places": 2}


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, validators=[MinValueValidator(Decimal(0))], **MONEY, **kwargs)


def validate_kinds(value: object) -> None:
    if not isinstance(value, list) or not all(kind in CompensationKind.values for kind in value):
        raise ValidationError(
            _("A list of kinds among %(kinds)s."), params={"kinds": ", ".join(CompensationKind.values)}
        )


@audited()
class EmpowermentPolicy(models.Model):
    """What one role may grant without asking anyone: per role, optionally overridden per store.

    An empty limit means "no limit". Admins are never limited: they are the last approver.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="empowerment_policies",
        help_text=_("Leave empty for the role's default; set it to override the default in one store."),
    )
    max_per_action = money_field(_("max per action"), null=True, blank=True)
    max_per_day = money_field(
        _("max per staff member per business day"),
        null=True,
        blank=True,
        help_text=_("Midnight to midnight in the store's time zone."),
    )
    max_per_customer = money_field(
        _("max per customer per 30 days"), null=True, blank=True, help_text=_("All staff together, rolling 30 days.")
    )
    max_anonymous_per_day = money_field(
        _("max to complaints without a customer per store per business day"),
        null=True,
        blank=True,
        help_text=_("All staff of the store together: what the per-customer cap cannot count."),
    )
    allowed_kinds = models.JSONField(
        _("allowed kinds"), default=list, validators=[validate_kinds], help_text=_("Kinds the role may grant.")
    )
    allow_zero_amount = models.BooleanField(
        _("allow zero amount"), default=True, help_text=_("May grant a free item or gift of no set value (amount 0).")
    )

    class Meta:
        verbose_name = _("empowerment policy")
        verbose_name_plural = _("empowerment policies")
        ordering = ["role", "store__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["role"], condition=Q(store__isnull=True), name="empowerment_policy_one_default_per_role"
            ),
            models.UniqueConstraint(
                fields=["role", "store"], condition=Q(store__isnull=False), name="empowerment_policy_one_per_store"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.store.code if self.store_id else gettext('default')})"


@audited()
class CompensationGuideline(models.Model):
    """The usual compensation for one category at one severity, so similar failures get similar recovery.

    A guideline with no tier applies to every customer tier without one of its own.
    """

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="compensation_guidelines"
    )
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    tier = models.ForeignKey(
        CustomerTier,
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="compensation_guidelines",
        help_text=_("Leave empty for every tier without a guideline of its own."),
    )
    min_amount = money_field(_("suggested minimum"))
    max_amount = money_field(_("suggested maximum"))
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("What is usually offered, e.g. a free dessert.")
    )

    class Meta:
        verbose_name = _("compensation guideline")
        verbose_name_plural = _("compensation guidelines")
        ordering = ["category__sort_order", "category__code", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "severity"],
                condition=Q(tier__isnull=True),
                name="guideline_one_per_category_severity",
            ),
            models.UniqueConstraint(
                fields=["category", "severity", "tier"],
                condition=Q(tier__isnull=False),
                name="guideline_one_per_category_severity_tier",
            ),
            models.CheckConstraint(condition=Q(min_amount__lte=models.F("max_amount")), name="guideline_min_le_max"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} / {self.get_severity_display()}: {self.min_amount}-{self.max_amount}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ApprovalRequest(models.Model):
    """Compensation above the requester's limits, waiting for someone whose limits cover it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="approval_requests"
    )
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="approval_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    # The lowest role whose limits cover the request; anyone of this role or above may decide it.
    approver_role = models.CharField(_("approver role"), max_length=20, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    # Which limits the request went over, and by how much: [{"limit", "max", "requested", "over"}].
    exceeded = models.JSONField(_("limits exceeded"), default=list)
    # The response waiting on the decision (from the respond step; empty for later compensation).
    resolution = models.TextField(_("resolution"), blank=True)
    note = models.TextField(_("note"), blank=True)
    # The complaint's status when approval was asked: a rejection returns it there.
    complaint_status_before = models.CharField(_("complaint status before"), max_length=20)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_decisions",
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    in_person = models.BooleanField(
        _("decided in person"),
        default=False,
        help_text=_("Approved with the approver's PIN on the requester's tablet."),
    )
    # When its complaint was logged (copied, never changes): the metrics find a period's decisions by it.
    complaint_logged_at = models.DateTimeField(_("complaint logged at"), null=True, editable=False)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["complaint_logged_at"],
                include=["created_at", "decided_at", "store"],
                condition=Q(decided_at__isnull=False),
                name="approval_decided_idx",
            ),
            # The queue, oldest first: walked in order and stopped at a page, whatever the scope.
            models.Index(fields=["created_at", "id"], condition=Q(status="pending"), name="approval_pending_idx"),
            models.Index(fields=["complaint", "status"], name="approval_complaint_idx"),
        ]
        constraints = [
            # One pending request per complaint: the complaint waits on exactly one decision.
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(status="pending"), name="approval_one_pending_per_complaint"
            ),
        ]

    def __str__(self) -> str:
        return gettext("approval request %(id)s (%(status)s)") % {"id": self.pk, "status": self.get_status_display()}


class CompensationStatus(models.TextChoices):
    GRANTED = "granted", _("Granted")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    REJECTED = "rejected", _("Rejected")


class CompensationAction(models.Model):
    """One thing given to the customer (or proposed): a refund, a voucher, a free item…"""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="compensation_actions"
    )
    # Copied from the complaint so that the caps are sums over one indexed table.
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="compensation_actions"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compensation_actions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CompensationKind.choices)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CompensationStatus.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="compensation_requested",
    )
    approval = models.ForeignKey(
        ApprovalRequest,
        verbose_name=_("approval"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    # Whose authority granted it (the requester, or the approver): their daily cap counts it.
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compensation_granted",
    )
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True)
    # The store's local date when granted: the business day of the per-day cap.
    business_day = models.DateField(_("business day"), null=True, blank=True)
    # Both from recovery.compensation.policies, when granted. A database default too: bulk writers that name
    # their columns (recovery/demo_volume.py) leave them false.
    far_above_guideline = models.BooleanField(
        _("far above guideline"),
        default=False,
        db_default=False,
        help_text=_("Granted far above the top of its category × severity guideline (twice it): flagged for review."),
    )
    above_guideline = models.BooleanField(
        _("above guideline"),
        default=False,
        db_default=False,
        help_text=_(
            "Granted above the top of its guideline at all (what a customer's unusual-compensation flag counts)."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("compensation action")
        verbose_name_plural = _("compensation actions")
        ordering = ["id"]  # the order they were proposed in
        indexes = [
            models.Index(
                fields=["granted_by", "business_day"], condition=Q(status="granted"), name="compensation_daily_idx"
            ),
            models.Index(
                fields=["customer", "granted_at"], condition=Q(status="granted"), name="compensation_customer_idx"
            ),
            # The anonymous cap: a store's grants of one business day to complaints without a customer.
            models.Index(
                fields=["store", "business_day"],
                condition=Q(status="granted", customer__isnull=True),
                name="compensation_anonymous_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="granted", granted_by__isnull=False, granted_at__isnull=False)
                | ~Q(status="granted"),
                name="compensation_granted_has_granter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.get_status_display()})"


# When an approver's PIN was set or changed, and by whom; never the PIN's hash.
@audited(exclude=("pin_hash",))
class ApprovalPin(models.Model):
    """An approver's PIN for approving in person on another employee's tablet. Stored hashed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="approval_pin"
    )
    pin_hash = models.CharField(_("PIN hash"), max_length=200)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("approval PIN")
        verbose_name_plural = _("approval PINs")

    def __str__(self) -> str:
        return gettext("approval PIN of %(user)s") % {"user": self.user}


class ApprovalPinTries(models.Model):
    """Wrong in-person tries for one approver on one employee's tablet (the account signed in there), and
    the lock they led to.

    Counted per tablet and approver, not per approver: wrong PINs typed on a coworker's tablet lock the
    approver out of that tablet only, never out of their own queue or anyone else's tablet.
    """

    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tablet_of = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    failed = models.PositiveSmallIntegerField(default=0, help_text="Wrong tries since the last lock or right PIN.")
    lockouts = models.PositiveSmallIntegerField(
        default=0, help_text="Locks in a row without a right PIN between them: each lasts twice the one before."
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "approval PIN tries"
        constraints = [
            models.UniqueConstraint(fields=["approver", "tablet_of"], name="approval_pin_tries_once"),
        ]

    def __str__(self) -> str:
        return f"PIN tries for {self.approver_id} on the tablet of {self.tablet_of_id}"


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    FOLLOW_UP_DUE = "follow_up_due", _("Follow-up due")
    ESCALATION = "escalation", _("Escalation")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    APPROVAL_ESCALATED = "approval_escalated", _("Approval sent up to you")
    APPROVAL_APPROVED = "approval_approved", _("Your request was approved")
    APPROVAL_REJECTED = "approval_rejected", _("Your request was not approved")
    SURVEY_UNSATISFIED = "survey_unsatisfied", _("The customer is not satisfied (survey)")
    PIN_LOCKED = "pin_locked", _("Your approval PIN was locked on a tablet")


class Notification(models.Model):
    """A message to one staff member about a due time or a decision: their in-app inbox, and an email when they have
    an address (an ``outbox`` row of kind ``notification``, written with it).

    One row per (deadline, level, recipient) — a deadline being one step of one complaint in one
    cycle — inserted before anything is sent, so that a task run twice or two racing sweeps
    still tell each person once.
    """

    # No index of their own on recipient and deadline: notification_inbox_idx and notification_once begin
    # with them, and the sweep writes hundreds of notifications a batch, each index entry by entry.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="notifications"
    )
    deadline = models.ForeignKey(
        Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    step = models.CharField(_("step"), max_length=20, choices=DeadlineStep.choices)
    level = models.PositiveSmallIntegerField(_("level"), help_text=_("0: the reminder; 1-3: escalation levels."))
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["deadline", "level", "recipient"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s to %(recipient)s") % {"kind": self.get_kind_display(), "recipient": self.recipient}


class SurveyInvitation(models.Model):
    """One follow-up survey link handed to a customer (by email and as a QR code on the tablet), and their answer.

    The link is signed (``recovery.surveys.invitations``) and carries the complaint and this row's
    ``nonce``; it is answered once. It belongs to the response it asks about (``responded_at``): once
    the complaint was followed up, or responded anew after a reopen, the link no longer applies.
    """

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="survey_invitations"
    )
    nonce = models.CharField(_("nonce"), max_length=32, unique=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    # The response asked about: the complaint's responded_at when the link was sent.
    responded_at = models.DateTimeField(_("responded at"))
    # Where the link was emailed (the email itself is an ``outbox`` row of kind ``survey_invitation``).
    emailed_to = models.EmailField(_("emailed to"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["complaint", "-sent_at"], name="survey_complaint_idx"),
        ]

    def __str__(self) -> str:
        return gettext("survey of %(complaint)s sent %(sent)s") % {
            "complaint": self.complaint_id,
            "sent": f"{self.sent_at:%Y-%m-%d %H:%M}",
        }


class FactsFields(models.Model):
    """One complaint as the recovery metrics sum it up: its classification, each step's time and
    SLA outcome, escalation, compensation and approvals, flattened into one narrow row."""

    complaint = models.OneToOneField(
        Complaint,
        verbose_name=_("complaint"),
        primary_key=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    # No index of their own: the facts are read by time of logging (and store), never by these alone.
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=20)
    severity = models.CharField(_("severity"), max_length=20)
    stage = models.CharField(_("stage"), max_length=20)
    servqual_dimension = models.CharField(_("what failed (SERVQUAL)"), max_length=20)
    blueprint_area = models.CharField(_("where it failed (service blueprint)"), max_length=20)
    created_at = models.DateTimeField(_("created at"))
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    closed = models.BooleanField(_("closed"))
    responded = models.BooleanField(_("responded"))
    followed_up = models.BooleanField(_("followed up"), help_text=_("Responded and followed up."))
    reopened = models.BooleanField(_("reopened"))
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True)
    # Seconds on each step's own clock (the first cycle's deadline), and from logging to closing.
    apologize_seconds = models.FloatField(_("time to apologize (seconds)"), null=True)
    respond_seconds = models.FloatField(_("time to respond (seconds)"), null=True)
    close_seconds = models.FloatField(_("time to close (seconds)"), null=True)
    # Deadlines done within their window (met) and after it (late), per step, over every cycle.
    apologize_met = models.PositiveSmallIntegerField(_("apology in time"))
    apologize_late = models.PositiveSmallIntegerField(_("apology late"))
    respond_met = models.PositiveSmallIntegerField(_("response in time"))
    respond_late = models.PositiveSmallIntegerField(_("response late"))
    follow_up_met = models.PositiveSmallIntegerField(_("follow-up in time"))
    follow_up_late = models.PositiveSmallIntegerField(_("follow-up late"))
    approval_met = models.PositiveSmallIntegerField(_("approval in time"))
    approval_late = models.PositiveSmallIntegerField(_("approval late"))
    max_level = models.PositiveSmallIntegerField(
        _("max level"), help_text=_("The highest escalation level any deadline reached.")
    )
    first_contact = models.BooleanField(
        _("solved at first contact"),
        help_text=_("Closed by the employee who logged it, with no approval and no escalation."),
    )
    granted_total = models.DecimalField(_("granted total"), **MONEY)
    granted_count = models.PositiveSmallIntegerField(_("granted count"))
    granted_far_above = models.PositiveSmallIntegerField(
        _("granted far above"), help_text=_("Granted actions above the guideline.")
    )
    approvals_requested = models.PositiveSmallIntegerField(_("approvals requested"))
    approvals_approved = models.PositiveSmallIntegerField(_("approvals approved"))
    approvals_rejected = models.PositiveSmallIntegerField(_("approvals rejected"))
    repeat_customer = models.BooleanField(
        _("repeat customer"), help_text=_("The customer complained again within 90 days, before or after.")
    )
    previous_at = models.DateTimeField(
        _("previous complaint at"),
        null=True,
        help_text=_("When the same customer last complained before this; counts distinct customers."),
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return gettext("facts of %(complaint)s") % {"complaint": self.complaint_id}


class ComplaintFacts(FactsFields):
    """The facts of every complaint, kept current by PostgreSQL when the transaction that changes them commits.

    Every change to a complaint writes an event, and at commit the facts of the complaints whose events
    were written are refreshed from ``ComplaintFactsNow`` (``recovery.metrics.projection`` holds the SQL).
    Metrics over a million complaints read this narrow table instead of joining five.
    """

    class Meta:
        verbose_name = _("complaint facts")
        verbose_name_plural = _("complaint facts")
        indexes = [
            # Covering what the metrics read of each complaint in a period, so that they scan the index alone.
            models.Index(
                fields=["created_at"],
                include=[
                    "store",
                    "customer",
                    "previous_at",
                    "repeat_customer",
                    "apologize_seconds",
                    "respond_seconds",
                    "close_seconds",
                ],
                name="facts_created_idx",
            ),
            models.Index(fields=["store", "created_at"], name="facts_store_created_idx"),
        ]


class ComplaintFactsNow(FactsFields):
    """The facts computed from the records as they are now: a database view (the definition of each
    column, in ``recovery.metrics.projection``), to fill the kept table from and check it against."""

    class Meta:
        verbose_name = _("complaint facts (worked out now)")
        verbose_name_plural = _("complaint facts (worked out now)")
        managed = False
        db_table = "recovery_complaint_facts_source"
