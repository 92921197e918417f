"""A person's own settings: the language the pages, the API and their emails answer them in."""

import contextlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from staff import services
from web import forms
from web.refusals import refuse, take_refusal
from web.signin import signed_in


@signed_in
@require_http_methods(["GET", "POST"])
def my_settings(request: HttpRequest) -> HttpResponse:
    browser = translation.get_language_from_request(request)
    if request.method == "POST":
        form = forms.LanguageForm(request.POST, browser_language=browser)
        if form.is_valid():
            try:
                _language_set(request, form.cleaned_data["language"])
            except ValidationError as error:
                forms.errors_from(form, error)
            else:
                messages.success(request, _("Saved: the pages, the API and your emails now speak this language."))
                return redirect("web:settings")
        return refuse(request, to=reverse("web:settings"), status=400, refused={"settings": form})
    if refusal := take_refusal(request):
        form = refusal.bind("settings", lambda data: forms.LanguageForm(data, browser_language=browser))
        status = refusal.status
    else:
        form = forms.LanguageForm(initial={"language": request.user.language}, browser_language=browser)
        status = 200
    return render(request, "web/settings.html", {"form": form}, status=status)


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The header's switch: a signed-in person's choice is kept with them (not in the browser, which the next person
    on a shared tablet uses too); before signing in, the browser keeps it (Django's cookie)."""
    if not request.user.is_authenticated:
        return set_language(request)
    with contextlib.suppress(ValidationError):  # a language not offered changes nothing, as Django's switch does
        _language_set(request, request.POST.get("language", ""))
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(back if safe else "web:home")


def _language_set(request: HttpRequest, language: str) -> None:
    services.user_language_set(user=request.user, language=language)
    # This answer (its message) is in the new language already.
    translation.activate(language or translation.get_language_from_request(request))
