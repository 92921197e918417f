"""Errors of reaching the customer and of the survey's links, each with its HTTP status and code."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, Conflict


class NoContactConsent(Conflict):
    code = "no_contact_consent"
    default_detail = _(
        "The customer did not agree to be contacted about this complaint, or gave no phone or email: "
        "follow up in person."
    )


# The survey's links, as the customer meets them (the public page shows each as its own message).


class SurveyLinkInvalid(ApplicationError):
    status_code = 400
    code = "survey_link_invalid"
    default_detail = _("This survey link is not valid. Please open the whole link from your email or the QR code.")


class SurveyLinkExpired(ApplicationError):
    status_code = 410
    code = "survey_link_expired"
    default_detail = _("This survey link has expired. Thank you all the same; the store can send you a new one.")


class SurveyAlreadyAnswered(Conflict):
    code = "survey_already_answered"
    default_detail = _("This survey was already answered. Thank you!")


class SurveyClosed(Conflict):
    code = "survey_closed"
    default_detail = _("This complaint is no longer waiting for your answer; the store has followed it up already.")
