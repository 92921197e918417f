"""A refused form is answered with a redirect too (post/redirect/get): its words and its reasons wait in the
session for the page it was sent from, which shows them once with the refusal's status (400, 403, 409).

Answering a POST with the page itself leaves the POST's address in the address bar: a reload then asks that
address for a page it does not have (Chromium's "HTTP ERROR 405"). After the redirect, the address is the
page's own; a reload shows it afresh. Secrets (a PIN, a password) are never kept.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponseRedirect, QueryDict

KEY = "web:refused"
SECRET_FIELDS = {"csrfmiddlewaretoken", "pin", "password"}


@dataclass(frozen=True)
class Refusal:
    status: int
    forms: dict[str, dict]  # name → {"data": {field: [values]}, "errors": {form index or "": {field: [messages]}}}
    about: str  # what the refused form was about, for a page that lists several (an approval's id)

    def has(self, name: str) -> bool:
        return name in self.forms

    def bind(self, name: str, make) -> Any:
        """The refused form ``name`` again, as ``make(data)`` builds it, with what was typed and why it was refused."""
        stored = self.forms[name]
        data = QueryDict(mutable=True)
        for field, values in stored["data"].items():
            data.setlist(field, values)
        form = make(data)
        parts = form.forms if isinstance(form, forms.BaseFormSet) else [form]
        for index, part in enumerate(parts):
            _errors_restore(part, stored["errors"].get(str(index), {}))
        return form


def refuse(request: HttpRequest, *, to: str, status: int, refused: dict, about: str = "") -> HttpResponseRedirect:
    """Keep the refused forms (name → form) for the page at ``to`` and send the browser there."""
    kept = {name: _keep(form) for name, form in refused.items() if form is not None}
    request.session[KEY] = {"to": to, "status": status, "about": about, "forms": kept}
    return HttpResponseRedirect(to, status=303)


def take_refusal(request: HttpRequest) -> Refusal | None:
    """The refusal waiting for this page, once (a reload then shows the page afresh)."""
    stored = request.session.get(KEY)
    if not stored or stored.get("to") != request.get_full_path():
        return None
    del request.session[KEY]
    return Refusal(status=stored["status"], forms=stored["forms"], about=stored.get("about", ""))


def _keep(form) -> dict:
    parts = form.forms if isinstance(form, forms.BaseFormSet) else [form]
    data = {field: form.data.getlist(field) for field in form.data if field not in SECRET_FIELDS}
    errors = {str(index): part.errors.get_json_data() for index, part in enumerate(parts) if part.is_bound}
    if isinstance(form, forms.BaseFormSet) and form.non_form_errors():
        errors.setdefault("0", {})["__all__"] = form.non_form_errors().get_json_data()
    return {"data": data, "errors": errors}


def _errors_restore(form: forms.Form, stored: dict) -> None:
    """Show exactly the reasons the form was refused with (the service's too, which a new validation would not find)."""
    form.errors.clear()  # validated again (cleaned_data filled), then its reasons are the stored ones
    for field, messages in stored.items():
        texts = [message["message"] for message in messages]
        nonfield = field == forms.forms.NON_FIELD_ERRORS
        form.errors[field] = form.error_class(
            texts, error_class="nonfield" if nonfield else None, renderer=form.renderer
        )
