"""The customer's follow-up survey: a public page on their own phone, reached by the signed link.

It shows nothing but the store's name and the complaint's reference and category. A link that is not
ours, expired, answered already, or about a complaint no longer waiting for it gets a page saying so.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from recovery.errors import SurveyAlreadyAnswered
from recovery.services import surveys
from web import forms


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = surveys.survey_open(token=token)
    except SurveyAlreadyAnswered as answered:
        # Coming back after answering (the redirect below, a reload) is thanked; answering again is refused.
        if request.method == "GET":
            return render(request, "web/survey_thanks.html")
        return _refused(request, answered)
    except ApplicationError as error:
        return _refused(request, error)
    complaint = invitation.complaint
    form = forms.SurveyAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.survey_answer(token=token, **form.cleaned_data)
        except ApplicationError as error:  # answered or closed meanwhile, on another device
            return _refused(request, error)
        except ValidationError as error:
            forms.errors_from(form, error)
        else:
            return redirect("web:survey", token=token)
    context = {"complaint": complaint, "store": complaint.store, "form": form}
    return render(request, "web/survey.html", context, status=400 if form.is_bound else 200)


def _refused(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    return render(request, "web/survey_refused.html", {"error": error}, status=error.status_code)
