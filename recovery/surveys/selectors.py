"""Reads about a complaint's satisfaction survey."""

from complaints.models import (
    Complaint,
)
from recovery.models import (
    SurveyInvitation,
)


def survey_latest_of(complaint: Complaint) -> SurveyInvitation | None:
    """The last survey link sent for ``complaint``, if any."""
    if "survey_invitations" in getattr(complaint, "_prefetched_objects_cache", {}):
        return next(iter(complaint.survey_invitations.all()), None)  # known already (just written: none)
    return complaint.survey_invitations.select_related("sent_by").order_by("-sent_at", "-id").first()
