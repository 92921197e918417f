"""The customer's follow-up survey: a public page on their own phone, reached by the signed link.

It shows nothing but the store's name and the complaint's reference and category. A link that is not
ours, expired, answered already, or about a complaint no longer waiting for it gets a page saying so.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from recovery.surveys import invitations
from recovery.surveys.errors import SurveyAlreadyAnswered
from web import forms


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitations.survey_open(token=token)
    except SurveyAlreadyAnswered as answered:
        # Coming back after answering (the redirect below, a reload) is thanked; answering again is refused.
        if request.method == "GET":
            return _message(request, _("Thank you for your answer"), THANKS)
        return _refused(request, answered)
    except ApplicationError as error:
        return _refused(request, error)
    complaint = invitation.complaint
    form = forms.SurveyAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.survey_answer(token=token, language=translation.get_language(), **form.cleaned_data)
        except ApplicationError as error:  # answered or closed meanwhile, on another device
            return _refused(request, error)
        except ValidationError as error:
            forms.errors_from(form, error)
        else:
            return redirect("web:survey", token=token)
    context = {"complaint": complaint, "store": complaint.store, "form": form}
    return render(request, "web/survey.html", context, status=400 if form.is_bound else 200)


THANKS = gettext_lazy("We have recorded it. If the problem is not solved, the store will get back to you.")

# What each refusal is called at the top of its page (its detail says the rest).
REFUSAL_HEADINGS = {
    "survey_already_answered": gettext_lazy("Already answered"),
    "survey_link_expired": gettext_lazy("This link has expired"),
    "survey_closed": gettext_lazy("No answer needed any more"),
}


def _refused(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    heading = REFUSAL_HEADINGS.get(error.code, gettext_lazy("This link does not work"))
    return _message(request, heading, error.detail, status=error.status_code)


def _message(request: HttpRequest, heading: str, message: str, *, status: int = 200) -> HttpResponse:
    return render(request, "web/survey_message.html", {"heading": heading, "message": message}, status=status)
