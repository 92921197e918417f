"""Customer identity: phone and email normalization, and finding the same customer again."""

from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Customer

# A customer who complains again within this long of another complaint of theirs is a repeat. The metrics count
# a complaint as a repeat customer's when another of theirs lies within it, before or after; a customer is
# flagged a repeat complainant for their complaints within it, back from now (recovery.customers.selectors).
REPEAT_WINDOW = timedelta(days=90)


def normalize_phone(raw: str) -> str:
    """E.164 form (``+8613800138000``); numbers without a country code are read in the default region."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    return _phone_e164(raw, settings.PHONE_DEFAULT_REGION)


# raw number and region → its E.164 form; each E.164 form found is kept as its own too.
_E164_FOUND: dict[tuple[str, str], str] = {}
_E164_FOUND_MAX = 8192


def _phone_e164(raw: str, region: str) -> str:
    # Parsing is the costly part of a create's input, and a create normalizes its phone again after its input
    # did (the intake takes numbers from other callers too): the second time it is given the E.164 form, which
    # is kept as found. A refused number raises, which is not kept.
    key = (raw, region)
    found = _E164_FOUND.get(key)
    if found is not None:
        return found
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_invalid_phone_message()) from exc
    # Valid, not merely possible: "12345" has a possible length somewhere but is nobody's number.
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_invalid_phone_message())
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(_E164_FOUND) >= _E164_FOUND_MAX:
        _E164_FOUND.clear()  # a process meets few numbers twice far apart: starting afresh loses little
    _E164_FOUND[key] = _E164_FOUND[(e164, region)] = e164
    return e164


def _invalid_phone_message() -> str:
    """Shows the form expected: a mobile of the default region, and the same with its country code."""
    region = settings.PHONE_DEFAULT_REGION
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return _("Enter a valid phone number with its country code, e.g. +44 7400 123456.")
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return _("Enter a valid phone number, e.g. %(national)s or %(international)s.") % {
        "national": national,
        "international": international,
    }


def normalize_email(raw: str) -> str:
    return (raw or "").strip().lower()


def normalize_contact(raw: str) -> tuple[str, str]:
    """One box that takes a phone or an email (a customer's own form): ``(phone, email)``, one of them empty.

    An ``@`` makes it an email, anything else is read as a phone; either is checked as on its own.
    """
    raw = (raw or "").strip()
    if "@" not in raw:
        return normalize_phone(raw), ""
    email = normalize_email(raw)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(_("Enter a valid email address, e.g. name@example.com.")) from exc
    return "", email


def customer_find_or_create(*, name: str = "", phone: str = "", email: str = "") -> Customer | None:
    """The customer with this phone (else this email), filled in with what was missing; or a new one.

    Returns None when nothing identifies or names a customer.
    """
    name, phone, email = (name or "").strip(), normalize_phone(phone), normalize_email(email)
    if not (name or phone or email):
        return None
    if not (phone or email):
        # A name alone identifies nobody: record it on a customer of its own.
        customer = Customer.objects.create(name=name)
        customer.created_just_now = True
        return customer

    # The insert comes first: most complaints come from someone new, who costs one statement this way; a
    # customer known already costs the refused insert and the read.
    for _attempt in range(2):
        customer = _insert_unless_taken(name=name, phone=phone, email=email)
        if customer is not None:
            return customer
        customer = customer_find(phone=phone, email=email)
        if customer is not None:
            customer_fill_in(customer, name=name, phone=phone, email=email)
            return customer
        # The customer whose phone or email refused the insert was deleted meanwhile (an admin): try again.
    raise RuntimeError("customer_find_or_create lost two races in a row")


def _insert_unless_taken(*, name: str, phone: str, email: str) -> Customer | None:
    """A new customer; None when another took the phone or email meanwhile. One statement, and no
    savepoint: a conflict inserts nothing instead of failing the caller's transaction."""
    customer = Customer(name=name, phone=phone, email=email, created_at=timezone.now())
    fields = [Customer._meta.get_field(column) for column in ("name", "phone", "email", "created_at")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(Customer._meta.db_table)} (name, phone, email, created_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            [field.get_db_prep_save(getattr(customer, field.attname), connection) for field in fields],
        )
        inserted = cursor.fetchone()
    if inserted is None:
        return None
    customer.pk = inserted[0]
    customer._state.adding = False
    # This request made them: they have no history yet for anyone to read back (recovery's flags).
    customer.created_just_now = True
    return customer


def customer_find(*, phone: str, email: str) -> Customer | None:
    """The customer with this phone, else the one with this email (both normalized); None if neither."""
    query = Q(pk__in=[])
    if phone:
        query |= Q(phone=phone)
    if email:
        query |= Q(email=email)
    matches = list(Customer.objects.filter(query)[:2])
    # A phone match wins over an email match: phones are what staff ask for at the counter.
    return next((c for c in matches if phone and c.phone == phone), matches[0] if matches else None)


def customer_lacks(customer: Customer, *, name: str, phone: str, email: str) -> bool:
    """Whether ``customer_fill_in`` may have something to write: a name, phone or email given that they lack."""
    return bool((name and not customer.name) or (phone and not customer.phone) or (email and not customer.email))


def customer_fill_in(customer: Customer, *, name: str, phone: str, email: str) -> None:
    """Give ``customer`` the name, phone and email they lack (a phone or email another customer has stays theirs)."""
    changed = []
    if name and not customer.name:
        customer.name = name
        changed.append("name")
    if phone and not customer.phone and not Customer.objects.filter(phone=phone).exists():
        customer.phone = phone
        changed.append("phone")
    if email and not customer.email and not Customer.objects.filter(email=email).exists():
        customer.email = email
        changed.append("email")
    if changed:
        try:
            with transaction.atomic():
                customer.save(update_fields=changed)
        except IntegrityError:
            pass  # someone else took that phone/email meanwhile; the customer stays as found
