"""The customer's status link, ``/s/<token>/``: where they follow their complaint (issue 27, item 3).

The token is random (``Complaint.status_token``), not signed: short enough for a text message, and nothing in it
names the complaint. The page itself (what it shows, and that it expires 30 days after the complaint was closed) is
the status page's, in ``web``; this module only makes and reads the token.
"""

from django.conf import settings

from complaints.models import Complaint, new_status_token

# The page's path: web's URL map routes it (a named URL would make this layer import the pages).
STATUS_PATH = "/s/{token}/"


def status_token(complaint: Complaint) -> str:
    """``complaint``'s token; one is given (and saved) to a complaint logged before status links existed."""
    if complaint.status_token is None:
        token = new_status_token()
        # Only if still none: two first asks at once agree on the first one written.
        Complaint.objects.filter(pk=complaint.pk, status_token__isnull=True).update(status_token=token)
        complaint.status_token = Complaint.objects.values_list("status_token", flat=True).get(pk=complaint.pk)
    return complaint.status_token


def status_url(complaint: Complaint) -> str:
    """The full link the customer is sent."""
    return status_link(status_token(complaint))


def status_link(token: str) -> str:
    """The full link of a status ``token``."""
    return settings.SITE_URL + STATUS_PATH.format(token=token)


def complaint_by_status_token(token: str) -> Complaint | None:
    """The complaint a status link names (with its store), or None."""
    return Complaint.objects.select_related("store").filter(status_token=token).first() if token else None
