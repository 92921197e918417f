"""The pages' forms: what a person types, checked for shape only; the rules are the services'."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from complaints.customers import normalize_contact, normalize_phone
from complaints.limits import (
    CUSTOMER_WORDS_MAX_CHARS,
    LINE_NOTE_MAX_CHARS,
    REASON_MAX_CHARS,
    SEARCH_MAX_CHARS,
    TEXT_MAX_CHARS,
)
from complaints.models import (
    ROOT_CAUSE_MEANINGS,
    BlueprintArea,
    Category,
    Channel,
    ClosureCode,
    ComplaintStatus,
    ServqualDimension,
    Severity,
    Stage,
)
from complaints.photos import CleanPhoto, photo_reencode
from recovery.models import MONEY, CompensationKind
from staff.models import language_choices
from web.idempotency import FIELD as FORM_KEY
from web.idempotency import new_form_key

# Radio buttons drawn as large tap targets (see web/templates/web/partials/field.html).
TILES = forms.RadioSelect

# One clear message per mistake, in words people use (Django's own read as machine text in Chinese).
TOO_LONG = _("Keep it to %(limit_value)d characters or fewer (this has %(show_value)d).")
AMOUNT_ERRORS = {
    "invalid": _("Type the amount as a number, e.g. 12.50."),
    "min_value": _("The amount cannot be below 0."),
    "max_decimal_places": _("Give the amount with at most 2 decimals, e.g. 12.50."),
    "max_digits": _("That amount is far too large: check the number."),
    "max_whole_digits": _("That amount is far too large: check the number."),
}


class PlainErrors:
    """A form whose text fields say "too long" in plain words."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = TOO_LONG


class KeyedForm(PlainErrors, forms.Form):
    """A form that carries its own idempotency key, made when the form is drawn."""

    form_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(FORM_KEY, new_form_key())


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category: Category) -> str:
        return category.name


class ComplaintForm(PlainErrors, forms.Form):
    """Listen and record. The id is chosen when the form is drawn, so sending it twice logs it once."""

    id = forms.UUIDField(widget=forms.HiddenInput)
    category = CategoryChoiceField(
        label=_("What is it about?"),
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        widget=TILES,
        empty_label=None,
    )
    description = forms.CharField(
        label=_("What happened, in the customer's words"),
        max_length=CUSTOMER_WORDS_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM, widget=TILES)
    # The QR form's channel is the customers' own form: staff logging by hand are not offered it.
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(value, label) for value, label in Channel.choices if value != Channel.QR_FORM],
        initial=Channel.IN_PERSON,
        widget=TILES,
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices, initial=Stage.IN_SALE, widget=TILES)
    customer_name = forms.CharField(label=_("Customer's name"), max_length=100, required=False)
    customer_phone = forms.CharField(
        label=_("Customer's phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )

    customer_email = forms.EmailField(
        label=_("Customer's email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    contact_consent = forms.BooleanField(
        label=_("The customer agrees to be contacted about this complaint (a follow-up survey)"), required=False
    )

    def clean_customer_phone(self) -> str:
        return normalize_phone(self.cleaned_data["customer_phone"])


class ApologizeForm(KeyedForm):
    note = forms.CharField(label=_("Note (optional)"), max_length=TEXT_MAX_CHARS, required=False)


class CompensationLineForm(PlainErrors, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *CompensationKind.choices], required=False)
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=Decimal(0),
        required=False,
        error_messages=AMOUNT_ERRORS,
        **MONEY,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    note = forms.CharField(label=_("What exactly"), max_length=LINE_NOTE_MAX_CHARS, required=False)

    def __init__(self, *args, kinds=None, **kwargs) -> None:
        """``kinds``: the kinds to offer (what the employee's role may grant), all when None. A kind sent
        that is not offered is still taken here: the grant's service refuses it with its own reason."""
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].widget.choices = [
                ("", "—"),
                *[(value, label) for value, label in CompensationKind.choices if value in kinds],
            ]

    def clean(self) -> dict:
        cleaned = super().clean()
        # An amount typed but refused already says why on its field: "give the amount" only when none was typed.
        if cleaned.get("kind") and cleaned.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Give the amount (0 for a free item or gift of no set value)."))
        if cleaned.get("amount") is not None and not cleaned.get("kind"):
            self.add_error("kind", _("Choose what is given."))
        return cleaned


CompensationLines = forms.formset_factory(CompensationLineForm, extra=2, max_num=10)


def compensation_lines(formset) -> list[dict]:
    """The filled-in lines of a valid formset, as the services take them."""
    return [
        {"kind": line["kind"], "amount": line["amount"], "note": line.get("note", "")}
        for line in (form.cleaned_data for form in formset.forms)
        if line.get("kind")
    ]


class RespondForm(KeyedForm):
    resolution = forms.CharField(
        label=_("What you did or offered"), max_length=TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=TEXT_MAX_CHARS, required=False)


class CompensateForm(KeyedForm):
    note = forms.CharField(label=_("Note (optional)"), max_length=TEXT_MAX_CHARS, required=False)


class FollowUpForm(KeyedForm):
    outcome = forms.CharField(
        label=_("What the customer said"),
        max_length=TEXT_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[(score, str(score)) for score in range(1, 6)],
        coerce=int,
        required=False,
        empty_value=None,
        widget=TILES,
    )


class SurveySendForm(KeyedForm):
    pass


class SurveyAnswerForm(forms.Form):
    """The customer's answer to the follow-up survey, on their own phone."""

    solved = forms.TypedChoiceField(
        label=_("Was your problem solved?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda answer: answer == "yes",
        widget=TILES,
        error_messages={"required": _("Tell us whether it was solved.")},
    )
    score = forms.TypedChoiceField(
        label=_("How satisfied are you? (1 = not at all, 5 = very)"),
        choices=[(score, str(score)) for score in range(1, 6)],
        coerce=int,
        widget=TILES,
        error_messages={"required": _("Choose a score from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        max_length=REASON_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def explained(choices) -> list[tuple[str, str]]:
    """Root-cause choices in plain words first, the trade's term after (SERVQUAL, service blueprint)."""
    return [
        (value, format_lazy(_("{meaning} ({label})"), label=label, meaning=ROOT_CAUSE_MEANINGS[value]))
        for value, label in choices
    ]


class CloseForm(KeyedForm):
    closure_code = forms.ChoiceField(label=_("How did it end?"), choices=ClosureCode.choices, widget=TILES)
    servqual_dimension = forms.ChoiceField(
        label=_("What went wrong?"),
        choices=explained(ServqualDimension.choices),
        required=False,
        widget=TILES,
    )
    blueprint_area = forms.ChoiceField(
        label=_("Where did it go wrong?"),
        choices=explained(BlueprintArea.choices),
        required=False,
        widget=TILES,
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=TEXT_MAX_CHARS, required=False)


class ReopenForm(KeyedForm):
    reason = forms.CharField(label=_("Why reopen it?"), max_length=TEXT_MAX_CHARS)


class HoldForm(KeyedForm):
    reason = forms.CharField(label=_("What are you waiting for?"), max_length=REASON_MAX_CHARS)
    until = forms.DateTimeField(
        label=_("Resume by"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ResumeForm(KeyedForm):
    pass


class InPersonDecisionForm(KeyedForm):
    """An approver standing by decides on the employee's tablet with their PIN."""

    approver = forms.ModelChoiceField(label=_("Approver"), queryset=None, empty_label=None, widget=TILES)
    pin = forms.CharField(
        label=_("PIN"),
        max_length=12,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note or reason"), max_length=TEXT_MAX_CHARS, required=False)

    def __init__(self, *args, approvers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers
        self.fields["approver"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} · {user.get_role_display()}"
        )


class DecisionForm(KeyedForm):
    """An approver decides from their own device."""

    note = forms.CharField(label=_("Note or reason"), max_length=TEXT_MAX_CHARS, required=False)


def errors_from(form: forms.Form, error: ValidationError) -> None:
    """Put a service's validation error on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class AssignForm(KeyedForm):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None, empty_label=None)

    def __init__(self, *args, staff, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff
        self.fields["assignee"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} · {user.get_role_display()}"
        )


class BoardFilterForm(forms.Form):
    """The store board's filters (what they mean is the complaint list's FilterSet)."""

    store = forms.ChoiceField(label=_("Store"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open")), *[(value, label) for value, label in ComplaintStatus.choices]],
    )
    overdue = forms.ChoiceField(label=_("Overdue"), required=False, choices=[("", _("Any")), ("true", _("Overdue"))])
    escalation_level_min = forms.ChoiceField(
        label=_("Escalated"), required=False, choices=[("", _("Any")), ("1", _("Escalated"))]
    )
    search = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX_CHARS)
    # A phone number in any format (the list's filter normalizes it), as a customer says it at the counter.
    customer_phone = forms.CharField(
        label=_("Customer's phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, stores, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All my stores")), *[(store.code, store.name) for store in stores]]


class ComplaintSearchForm(forms.Form):
    """The home page's one search box (what it matches is the complaint list's ``search`` filter)."""

    search = forms.CharField(
        label=_("Find a complaint"),
        required=False,
        max_length=SEARCH_MAX_CHARS,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "enterkeyhint": "search",
                "placeholder": _("Reference, customer's name or phone"),
            }
        ),
    )


class LanguageForm(forms.Form):
    """The language a person is answered in (their settings page; the header's switch chooses one directly)."""

    language = forms.ChoiceField(label=_("Language"), required=False, widget=TILES)

    def __init__(self, *args, browser_language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        named = dict(settings.LANGUAGES)
        follow, *languages = language_choices()
        # "As the browser asks" says what the browser asks for now, in that language's own name.
        self.fields["language"].choices = [
            (follow[0], format_lazy("{} ({})", follow[1], named.get(browser_language, browser_language))),
            *languages,
        ]


class PublicComplaintForm(forms.Form):
    """The store's public QR form, filled in by the customer on their own phone."""

    # What a refused form gives back as typed (never the photo, nor the honeypot).
    KEPT = ("description", "still_in_store", "category", "name", "contact", "contact_consent")

    description = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    still_in_store = forms.TypedChoiceField(
        label=_("Are you still in the store?"),
        choices=[("yes", _("Yes, I am here now")), ("no", _("No, I have left"))],
        coerce=lambda value: value == "yes",
        widget=TILES,
    )
    category = CategoryChoiceField(
        label=_("What was it about? (optional)"),
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        widget=TILES,
        required=False,
        empty_label=None,
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=100, required=False)
    contact = forms.CharField(
        label=_("Phone or email (optional)"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "email"}),
    )
    contact_consent = forms.BooleanField(label=_("You may contact me about this complaint."), required=False)
    photo = forms.FileField(label=_("A photo (optional)"), required=False)
    # The honeypot: hidden from people (CSS, not in the tab order); a bot that fills every box fills it too.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # From the settings when the form is made, not imported: the limit is a setting.
        limit = settings.PUBLIC_FORM_TEXT_MAX_CHARS
        description = self.fields["description"]
        description.max_length = limit
        description.validators.append(MaxLengthValidator(limit))
        description.widget.attrs["maxlength"] = str(limit)

    def clean_contact(self) -> str:
        normalize_contact(self.cleaned_data["contact"])  # refuses what is neither a phone nor an email
        return self.cleaned_data["contact"]

    def clean_photo(self) -> CleanPhoto | None:
        upload = self.cleaned_data.get("photo")
        return photo_reencode(upload) if upload else None

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class TierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, tier) -> str:
        return f"{tier.code} · {tier.name}"


class TierForm(KeyedForm):
    """A customer's tier, set by a supervisor or above with a reason."""

    tier = TierChoiceField(label=_("Tier"), queryset=None, to_field_name="code", empty_label=None)
    reason = forms.CharField(label=_("Why"), max_length=REASON_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tiers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = tiers
