"""The complaint record: customers, categories, complaints and their append-only event log."""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from staff.models import Store


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online")
    SOCIAL = "social", _("Social media")
    QR_FORM = "qr_form", _("QR form")
    EMAIL = "email", _("Email")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


# Orders severities by gravity (alphabetical order would put "critical" first and "medium" last).
SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


def overdue_q(now) -> Q:
    """Overdue: a due time has passed with its step undone, i.e. the complaint's next due time (the earliest
    of its running deadlines, ``Complaint.next_due_at``) has passed."""
    return Q(next_due_at__lte=now)


def severity_rank() -> models.Case:
    """A complaint's severity as its rank (low 1 … critical 4): what the lists order by, and an index holds."""
    return models.Case(
        *[models.When(severity=severity, then=models.Value(rank)) for severity, rank in SEVERITY_RANK.items()],
        output_field=models.IntegerField(),
    )


class Stage(models.TextChoices):
    PRE_SALE = "pre_sale", _("Pre-sale")
    IN_SALE = "in_sale", _("During the sale")
    AFTER_SALE = "after_sale", _("After-sale")


class ServqualDimension(models.TextChoices):
    RELIABILITY = "reliability", _("Reliability")
    RESPONSIVENESS = "responsiveness", _("Responsiveness")
    ASSURANCE = "assurance", _("Assurance")
    EMPATHY = "empathy", _("Empathy")
    TANGIBLES = "tangibles", _("Tangibles")


class BlueprintArea(models.TextChoices):
    FRONT_STAGE = "front_stage", _("Front stage")
    BACK_STAGE = "back_stage", _("Back stage")
    SUPPORT = "support", _("Support systems")


# What each root cause means, in words an employee closing a complaint recognises.
ROOT_CAUSE_MEANINGS = {
    ServqualDimension.RELIABILITY: _("what was promised was not done, or not done right"),
    ServqualDimension.RESPONSIVENESS: _("too slow, or not willing to help"),
    ServqualDimension.ASSURANCE: _("staff lacked knowledge, skill or courtesy"),
    ServqualDimension.EMPATHY: _("the customer was not cared for as a person"),
    ServqualDimension.TANGIBLES: _("the place, equipment, materials or appearance"),
    BlueprintArea.FRONT_STAGE: _("what the customer sees and meets: service at the counter or table"),
    BlueprintArea.BACK_STAGE: _("work the customer does not see: kitchen, stock, preparation"),
    BlueprintArea.SUPPORT: _("systems and suppliers behind both: tills, IT, deliveries"),
}


class ComplaintStatus(models.TextChoices):
    NEW = "new", _("New")
    APOLOGIZED = "apologized", _("Apologized")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    RESPONDED = "responded", _("Responded")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# Every status but closed, by name: a filter on these uses the status indexes, where "not closed" reads the table.
OPEN_STATUSES = [status for status in ComplaintStatus.values if status != ComplaintStatus.CLOSED]


def customer_waiting_q() -> Q:
    """A customer waiting in the store: they sent the complaint themselves on its QR form saying they are still
    there (the public intake's only way to a complaint during the sale), and nobody has apologized to them yet."""
    return Q(channel=Channel.QR_FORM, created_by__isnull=True, stage=Stage.IN_SALE, status=ComplaintStatus.NEW)


class ClosureCode(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    RESOLVED_UNSATISFIED = "resolved_unsatisfied", _("Resolved, customer still unsatisfied")
    UNRESOLVED = "unresolved", _("Unresolved")
    WITHDRAWN = "withdrawn", _("Withdrawn by the customer")
    DUPLICATE = "duplicate", _("Duplicate")


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    # What to say at the apology step, shown to the employee on the complaint's page.
    apology_script_en = models.TextField(_("apology script (English)"), blank=True)
    apology_script_zh = models.TextField(_("apology script (Chinese)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name_en} / {self.name_zh})"

    @staticmethod
    def name_field() -> str:
        """The field that holds a category's name in the active language (a query may read it by this name)."""
        return "name_zh" if translation.get_language() == "zh-hans" else "name_en"

    @property
    def name(self) -> str:
        """The name in the active language."""
        return getattr(self, self.name_field())

    @property
    def apology_script(self) -> str:
        """The apology script in the active language (the other one when it is missing)."""
        scripts = (self.apology_script_zh, self.apology_script_en)
        if translation.get_language() != "zh-hans":
            scripts = scripts[::-1]
        return next((script for script in scripts if script), "")


class TierCode(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class CustomerTier(models.Model):
    """A level of service (A/B/C) under the name an admin gives it (VIP, member, guest).

    Customers without a tier of their own are served at the default tier's level.
    """

    code = models.CharField(_("code"), max_length=1, choices=TierCode.choices, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=50)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    is_default = models.BooleanField(
        _("default tier"), default=False, help_text=_("The tier of every customer without one of their own.")
    )

    class Meta:
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="customer_tier_one_default"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name_en} / {self.name_zh})"

    @staticmethod
    def name_field() -> str:
        """The field that holds a category's name in the active language (a query may read it by this name)."""
        return "name_zh" if translation.get_language() == "zh-hans" else "name_en"

    @property
    def name(self) -> str:
        """The name in the active language."""
        return getattr(self, self.name_field())


def customer_language_choices() -> list[tuple[str, str]]:
    """The product's languages, or (empty) not known."""
    return [("", _("Not known")), *settings.LANGUAGES]


class Customer(models.Model):
    """A complaining customer, found again by normalized phone (E.164) or lowercased email."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # What is written to them (the survey's email) is in it; not known, in both languages.
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        default="",
        db_default="",  # the bulk writers (seed_demo's COPY) name their columns
        choices=customer_language_choices,
        help_text=_("Their phone's language when they last used the store's form or answered a survey."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # None: the default tier (CustomerTier.is_default), whichever that is when asked.
    tier = models.ForeignKey(
        CustomerTier, verbose_name=_("tier"), null=True, blank=True, on_delete=models.PROTECT, related_name="customers"
    )
    # Set once their contact data and identifying words were removed (on request, or after the retention period).
    anonymized_at = models.DateTimeField(_("anonymized at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="customer_phone_unique"),
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="customer_email_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.phone or self.email or gettext("customer %(id)s") % {"id": self.pk}


class TierChangeSource(models.TextChoices):
    STAFF = "staff", _("Set by staff")
    IMPORT = "import", _("Imported")


class CustomerTierChange(models.Model):
    """One change of a customer's tier: who, when, why. Insert-only, the customer's tier history."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="tier_changes"
    )
    tier_before = models.ForeignKey(
        CustomerTier, verbose_name=_("tier before"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    tier_after = models.ForeignKey(
        CustomerTier, verbose_name=_("tier after"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=TierChangeSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("customer tier change")
        verbose_name_plural = _("customer tier changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="tier_change_customer_idx")]

    def __str__(self) -> str:
        return gettext("customer %(id)s: %(before)s → %(after)s") % {
            "id": self.customer_id,
            "before": self.tier_before_id or "-",
            "after": self.tier_after_id or "-",
        }


def new_status_token() -> str:
    """The random part of a complaint's status link for its customer (``complaints.status_links``): 96 bits in
    16 characters, short enough for a text message."""
    return secrets.token_urlsafe(12)


class Complaint(models.Model):
    # Clients may choose the id, so that a tablet retrying on flaky Wi-Fi cannot log twice.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=40, editable=False)
    # No index of its own on store and assignee (on PostgreSQL): complaint_store_status_idx and complaint_assignee_idx
    # begin with them, and every index more is written again by each update that cannot be HOT (the
    # sweep's escalations, every step).
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="complaints", db_index=False
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="complaints"
    )
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.MEDIUM)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    servqual_dimension = models.CharField(
        _("what failed (SERVQUAL)"), max_length=20, choices=ServqualDimension.choices, blank=True
    )
    blueprint_area = models.CharField(
        _("where it failed (service blueprint)"), max_length=20, choices=BlueprintArea.choices, blank=True
    )
    description = models.TextField(_("description"), help_text=_("The customer's own words."))
    desired_outcome = models.TextField(_("desired outcome"), blank=True, help_text=_("What the customer wants."))
    # The customer agreed to be contacted about this complaint (e.g. a follow-up survey) at the
    # phone or email they gave: asked per complaint, since it is given for this one.
    contact_consent = models.BooleanField(_("contact consent"), default=False, db_default=False)
    status = models.CharField(_("status"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
        db_index=False,
    )
    # Who logged it; none when the customer did, through the store's public QR form.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="logged_complaints",
    )
    resolution = models.TextField(_("resolution"), blank=True)
    follow_up_outcome = models.TextField(_("follow-up outcome"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    closure_code = models.CharField(_("how it ended"), max_length=30, choices=ClosureCode.choices, blank=True)
    # A digest of the create request's content: tells a retry (same digest) from a client
    # reusing an id for another complaint (different digest).
    intake_digest = models.CharField(_("intake digest"), max_length=64, editable=False)
    # The customer's status link is /s/<status_token>/ (complaints.status_links). None on complaints logged before
    # links existed: one is given the first time a link is asked for.
    status_token = models.CharField(
        _("status link token"), max_length=24, unique=True, null=True, default=new_status_token, editable=False
    )

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    apologized_at = models.DateTimeField(_("apologized at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)

    # 0 until a due time passes; then who has been told: 1 supervisors, 2 managers, 3 admins. Not indexed, so
    # that the sweep's escalations update the row in place (HOT; complaints.sql).
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # Waiting on the customer: due times stand still until this moment, or until resumed.
    on_hold_until = models.DateTimeField(_("on hold until"), null=True, blank=True)
    hold_reason = models.TextField(_("hold reason"), blank=True)
    # How many times it was put on hold (its ``held`` events, counted as they are written): frontline staff may hold
    # it only so often (complaints.supervision). A database default too, for bulk writers that name their columns.
    holds = models.PositiveSmallIntegerField(_("holds"), default=0, db_default=0, editable=False)
    # The earliest due time of its running deadlines (open, not paused), kept by complaints/deadlines.py with
    # every write to them: the lists order by it ("due") and find the overdue by it, through an index.
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["store", "reference"], name="complaint_reference_unique_per_store"),
        ]
        indexes = [
            models.Index(fields=["store", "status", "-created_at"], name="complaint_store_status_idx"),
            models.Index(fields=["-created_at"], name="complaint_created_idx"),
            models.Index(fields=["assignee", "status"], name="complaint_assignee_idx"),
            # The list's orderings across stores: each key with the primary key that breaks its ties.
            models.Index(fields=["store", "next_due_at", "id"], name="complaint_store_due_idx"),
            models.Index(fields=["next_due_at", "id"], name="complaint_due_idx"),
            # (and complaint_due_desc_idx, latest due first, in complaints.sql)
            models.Index(severity_rank(), F("id"), name="complaint_severity_idx"),
            models.Index(fields=["status", "id"], name="complaint_status_idx"),
            models.Index(fields=["reference", "id"], name="complaint_reference_idx"),
            # Filters on few values: combined as bitmaps, they count a list without reading every complaint.
            models.Index(fields=["severity"], name="complaint_severity_filter_idx"),
            models.Index(fields=["channel"], name="complaint_channel_filter_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


def complaint_photo_path(photo: "ComplaintPhoto", filename: str) -> str:
    # A random name: the file says nothing about the complaint, and nothing serves MEDIA_ROOT publicly.
    return f"complaint-photos/{photo.created_at:%Y/%m}/{uuid.uuid4().hex}.jpg"


class ComplaintPhoto(models.Model):
    """A photo the customer sent with the complaint, re-encoded as a JPEG without any metadata.

    Staff of the complaint's store see it through a page that checks the store (never a public URL).
    """

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("image"), upload_to=complaint_photo_path, max_length=200)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("complaint photo")
        verbose_name_plural = _("complaint photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return gettext("photo %(id)s of %(complaint)s") % {"id": self.pk, "complaint": self.complaint_id}


class SlaPolicy(models.Model):
    """How fast each step must happen, by severity, channel and customer tier. Windows are in seconds.

    A policy with no channel applies to every channel without one of its own; with no tier, to every
    tier without one of its own. Which row wins is ``complaints.sla.policy_for``'s.
    """

    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, null=True, blank=True)
    tier = models.ForeignKey(
        CustomerTier,
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text=_("Leave empty for every tier without a policy of its own."),
    )
    apologize_within = models.PositiveIntegerField(
        _("apologize within"), help_text=_("Seconds from logging to the apology.")
    )
    respond_within = models.PositiveIntegerField(
        _("respond within"), help_text=_("Seconds from logging (or reopening) to the response.")
    )
    follow_up_after = models.PositiveIntegerField(
        _("follow up after"), help_text=_("Seconds after the response when the follow-up is due.")
    )
    approval_within = models.PositiveIntegerField(
        _("approval within"), help_text=_("Seconds an approval may wait before going up a level.")
    )
    escalate_every = models.PositiveIntegerField(
        _("escalate every"),
        validators=[MinValueValidator(60)],
        help_text=_("Seconds between escalation levels while a step stays undone."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["severity", "channel", "tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity", "channel"],
                condition=Q(channel__isnull=False, tier__isnull=True),
                name="sla_policy_unique",
            ),
            models.UniqueConstraint(
                fields=["severity"],
                condition=Q(channel__isnull=True, tier__isnull=True),
                name="sla_policy_unique_any_channel",
            ),
            models.UniqueConstraint(
                fields=["severity", "channel", "tier"],
                condition=Q(channel__isnull=False, tier__isnull=False),
                name="sla_policy_unique_tier",
            ),
            models.UniqueConstraint(
                fields=["severity", "tier"],
                condition=Q(channel__isnull=True, tier__isnull=False),
                name="sla_policy_unique_tier_any_channel",
            ),
        ]

    def __str__(self) -> str:
        channel = self.get_channel_display() if self.channel else gettext("any channel")
        tier = f" / {self.tier.code}" if self.tier_id else ""
        return f"{self.get_severity_display()} / {channel}{tier}"


class DeadlineStep(models.TextChoices):
    APOLOGIZE = "apologize", _("Apologize")
    RESPOND = "respond", _("Respond")
    FOLLOW_UP = "follow_up", _("Follow up")
    APPROVAL = "approval", _("Decide the approval")


class Deadline(models.Model):
    """One step's due time on one complaint, and how far its reminders and escalations have got.

    The source of truth for scheduling: a periodic sweep picks the rows whose ``next_check_at``
    has passed. ``cycle`` counts the deadlines of this step before it (a reopened complaint gets
    a fresh one), so that each is reminded and escalated once.
    """

    # No index of its own on complaint: deadline_unique_cycle begins with it, and the sweep's updates of
    # next_check_at (indexed, so never HOT) write every index of the row again.
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="deadlines", db_index=False
    )
    step = models.CharField(_("step"), max_length=20, choices=DeadlineStep.choices)
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=0)
    clock = models.CharField(
        _("clock"), max_length=10, choices=[("wall", _("Wall time")), ("business", _("Open hours"))]
    )
    started_at = models.DateTimeField(_("started at"))
    window_seconds = models.PositiveIntegerField(_("window (seconds)"))
    escalate_every = models.PositiveIntegerField(_("escalate every"))
    # Time on hold, in the deadline's clock: it moves the due time later.
    held_seconds = models.FloatField(_("held (seconds)"), default=0)
    due_at = models.DateTimeField(_("due at"))
    remind_at = models.DateTimeField(_("remind at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), default=0, help_text=_("Escalation levels reached (0-3)."))
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    # When the sweep must look at it next (a reminder, an escalation, the end of a hold); a
    # claimed row is pushed a lease ahead, so that a lost task is picked up again.
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When the step was done: how long it took on this deadline's clock (open hours for remote
    # channels), holds left out. What the metrics' times and "SLA met" are measured on.
    elapsed_seconds = models.FloatField(_("elapsed (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "step", "cycle"], name="deadline_unique_cycle"),
            models.UniqueConstraint(
                fields=["complaint", "step"], condition=Q(closed_at__isnull=True), name="deadline_one_open_per_step"
            ),
        ]
        indexes = [
            models.Index(fields=["next_check_at"], condition=Q(closed_at__isnull=True), name="deadline_sweep_idx"),
        ]
        # A complaint's open deadlines are found by deadline_one_open_per_step, which begins with the
        # complaint: no index of (complaint, due_at) for a complaint's two or three rows, as each sweep's
        # update of next_check_at (never HOT) writes every index of the row again.

    def __str__(self) -> str:
        return gettext("%(step)s due %(due)s") % {
            "step": self.get_step_display(),
            "due": f"{self.due_at:%Y-%m-%d %H:%M}",
        }


class ReferenceCounter(models.Model):
    """The last reference number handed out per store and business day (store's local date)."""

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.CASCADE)
    day = models.DateField(_("day"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="reference_counter_unique")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}: {self.last_number}"


class EventKind(models.TextChoices):
    LOGGED = "logged", _("Logged")
    APOLOGIZED = "apologized", _("Apologized")
    RESPONDED = "responded", _("Responded")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    ASSIGNED = "assigned", _("Assigned")
    SEVERITY_CHANGED = "severity_changed", _("Severity changed")
    HELD = "held", _("Put on hold")
    RESUMED = "resumed", _("Resumed")
    ESCALATED = "escalated", _("Escalated")
    COMPENSATION_GRANTED = "compensation_granted", _("Compensation granted")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    APPROVAL_ESCALATED = "approval_escalated", _("Approval sent up a level")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SURVEY_SENT = "survey_sent", _("Survey link sent")
    IN_PERSON_REFUSED = "in_person_refused", _("In-person decision refused")


class AppendOnlyError(Exception):
    pass


class ComplaintEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Complaint events are append-only.")

    def delete(self):
        raise AppendOnlyError("Complaint events are append-only.")


class ComplaintEvent(models.Model):
    """One step in a complaint's life. Insert-only: PostgreSQL refuses UPDATE and DELETE too."""

    # No index of its own on complaint: event_complaint_at_idx begins with it (one index less per event written).
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="events", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        on_delete=models.PROTECT,
        related_name="complaint_events",
    )
    at = models.DateTimeField(_("time"))
    status_before = models.CharField(_("status before"), max_length=20, choices=ComplaintStatus.choices, blank=True)
    status_after = models.CharField(_("status after"), max_length=20, choices=ComplaintStatus.choices, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = ComplaintEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"], name="event_complaint_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Complaint events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Complaint events are append-only.")
