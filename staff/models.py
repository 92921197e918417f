"""Regions, stores and staff users; every user has exactly one role and one scope."""

import datetime
import secrets
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(r"^[A-Za-z0-9_-]+$", _("Use letters, digits, '-' and '_' only."))


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone %(value)r."), params={"value": value})


class Region(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def new_public_token() -> str:
    """A store's public form link: 128 random bits, so that nobody finds a store's form by counting or guessing."""
    return secrets.token_urlsafe(16)


class Store(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="stores")
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone])
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="CNY",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code, e.g. CNY."))],
    )
    max_compensation_amount = models.DecimalField(
        _("largest compensation action"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("100000.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "The most one compensation action may be, in the store's currency, whoever grants or approves "
            "it: a guard against typing errors (1e9 for 19)."
        ),
    )
    # What is written to a customer whose language is not known (the text messages) is in this one.
    language = models.CharField(
        _("customers' default language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
        db_default="zh-hans",
    )
    # No text message to customers between these times (the store's time zone): it waits for the end.
    quiet_hours_start = models.TimeField(
        _("quiet hours start"), default=datetime.time(21, 0), db_default=datetime.time(21, 0)
    )
    quiet_hours_end = models.TimeField(
        _("quiet hours end"), default=datetime.time(9, 0), db_default=datetime.time(9, 0)
    )
    # The store's public complaint form is at /f/<public_token>/ (its QR code points there). Not the
    # store's code: codes are short and sequential. A new token (admin action) retires printed QR codes.
    public_token = models.CharField(
        _("public form token"),
        max_length=32,
        unique=True,
        default=new_public_token,
        editable=False,
        help_text=_("The random part of the public complaint form's link."),
    )

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """When a store is open, in its own time zone; a day may have several periods (lunch break).

    A store with no opening hours at all counts as always open.
    """

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(
        _("closes"), help_text=_("After it opens, the same day; 00:00 means midnight at the end of the day.")
    )

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["store", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")) | Q(closes=datetime.time(0, 0)),
                name="opening_hours_close_after_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class StoreHoliday(models.Model):
    """A day the store is closed: remote complaints' clocks do not run on it."""

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("store holiday")
        verbose_name_plural = _("store holidays")
        ordering = ["store", "date"]
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="store_holiday_unique")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.date} {self.name}"


class StoreCustomerCount(models.Model):
    """How many customers a store served on one of its days: the denominator of its complaint rate.

    Entered in the admin or posted by a point-of-sale system; a day without one is "not known".
    """

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="customer_counts")
    day = models.DateField(_("day"), help_text=_("The store's own calendar day."))
    customers = models.PositiveIntegerField(_("customers served"))

    class Meta:
        verbose_name = _("daily customer count")
        verbose_name_plural = _("daily customer counts")
        ordering = ["store", "-day"]
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="customer_count_one_per_store_day")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}: {self.customers}"


class Role(models.TextChoices):
    FRONTLINE = "frontline", _("Frontline")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


# Roles that belong to one store; managers belong to a region; admins to everything.
STORE_ROLES = (Role.FRONTLINE, Role.SUPERVISOR)
# Who is told, level by level, when a store's complaint runs late (and who takes one nobody at the
# store has heard yet): the store's supervisors, then the region's managers, then admins.
ESCALATION_ROLES = (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)
# Higher number, more authority: used to compare roles ("supervisor and above").
ROLE_RANK = {Role.FRONTLINE: 1, Role.SUPERVISOR: 2, Role.MANAGER: 3, Role.ADMIN: 4}


def role_above(role: str) -> Role | None:
    """The role next above ``role`` (who approves beyond its limits); None above an admin."""
    return next((other for other in Role if ROLE_RANK[other] == ROLE_RANK[Role(role)] + 1), None)


# A role as a person mid-sentence, for messages ("it needs a manager").
ROLE_AS_PERSON = {
    Role.FRONTLINE: _("a frontline employee"),
    Role.SUPERVISOR: _("a supervisor"),
    Role.MANAGER: _("a manager"),
    Role.ADMIN: _("an admin"),
}


class StaffUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes an admin: the only role with no store or region.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


def language_choices() -> list[tuple[str, str]]:
    """What a person may choose to be answered in: the product's languages, or (empty) whatever their browser asks."""
    return [("", _("As the browser asks")), *settings.LANGUAGES]


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.FRONTLINE)
    store = models.ForeignKey(
        Store, verbose_name=_("store"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        default="",
        choices=language_choices,
        help_text=_("What the pages, the API and emails answer this person in; empty: what their browser asks for."),
    )
    # A person who chose no language is emailed in the one their browser last asked for (no browser is at hand
    # when an email is written).
    browser_language = models.CharField(
        _("browser's language"),
        max_length=10,
        blank=True,
        default="",
        editable=False,
        help_text=_("What their browser asked for when they last signed in."),
    )

    objects = StaffUserManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.CheckConstraint(
                name="user_scope_matches_role",
                condition=(
                    Q(role__in=STORE_ROLES, store__isnull=False, region__isnull=True)
                    | Q(role=Role.MANAGER, store__isnull=True, region__isnull=False)
                    | Q(role=Role.ADMIN, store__isnull=True, region__isnull=True)
                ),
                violation_error_message=(
                    "Frontline staff and supervisors belong to a store, managers to a region, admins to neither."
                ),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role in STORE_ROLES and (self.store_id is None or self.region_id is not None):
            raise ValidationError({"store": _("Frontline staff and supervisors need a store (and no region).")})
        if self.role == Role.MANAGER and (self.region_id is None or self.store_id is not None):
            raise ValidationError({"region": _("Managers need a region (and no store).")})
        if self.role == Role.ADMIN and (self.store_id is not None or self.region_id is not None):
            raise ValidationError({"role": _("Admins are not tied to a store or region.")})

    def has_role_at_least(self, role: Role) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[role]

    @property
    def written_language(self) -> str:
        """The language to write to this person in when they are not at a browser (an email): the one they chose,
        else the one their browser last asked for, else the product's default."""
        return self.language or self.browser_language or settings.LANGUAGE_CODE


# Who may export their scope's complaints as a CSV file while no admin has said otherwise (RoleAccess).
EXPORT_COMPLAINTS_BY_DEFAULT = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})


class RoleAccess(models.Model):
    """What a role may do beyond working on complaints, as an admin sets it (Django admin → Role access).

    A role without a row has ``EXPORT_COMPLAINTS_BY_DEFAULT``'s answer; the migrations give every role its row.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, unique=True)
    export_complaints = models.BooleanField(
        _("may export complaints"),
        help_text=_(
            "Download their stores' complaints as a CSV file: descriptions and customers' names (phones masked), "
            "every complaint at once."
        ),
    )

    class Meta:
        verbose_name = _("role access")
        verbose_name_plural = _("role access")
        ordering = ["role"]

    def __str__(self) -> str:
        return self.get_role_display()
