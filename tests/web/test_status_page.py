"""The customer's status page (/s/<token>/): what it may show, and nothing else; its key, its expiry, its language
and its limit per address."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from complaints.models import Complaint
from complaints.status_links import status_url
from recovery.models import CompensationAction, SurveyInvitation
from tests.helpers import Api, walk

CONTACT = {"name": "Ms. Wang Lihua", "phone": "138 0013 8000", "email": "wang@example.com"}
STAFF_NAME = ("Zhou", "Kexin")
APOLOGY_NOTE = "Apology-note-only-staff-read"
RESOLUTION = "Resolution-typed-by-staff"


@pytest.fixture(autouse=True)
def _counts_reset(rate_limit_redis):
    """Each test's openings counted from zero."""


def page_text(response) -> list[str]:
    """The page's main content, as the lines a reader sees (tags and blank lines dropped)."""
    html = response.content.decode()
    main = html[html.index('<main id="main">') : html.index("</main>")]
    text = unescape(re.sub(r"<[^>]+>", "\n", main))
    return [line.strip() for line in text.splitlines() if line.strip()]


def status_path(complaint_id: str) -> str:
    url = status_url(Complaint.objects.get(pk=complaint_id))
    return url[url.index("/s/") :]


def customer(language: str = "en") -> Client:
    return Client(headers={"Accept-Language": language})


@pytest.fixture
def planted(org, limits, sla):
    """A complaint apologized with a staff note, responded by a named employee with a 10.00 voucher granted, then a
    600.00 voucher asked for (above the frontline's limits: waiting for approval); and another complaint of the same
    customer. Returns (the complaint's id, the other's reference)."""
    org.frontline1.last_name, org.frontline1.first_name = STAFF_NAME
    org.frontline1.save()
    api = Api(org.frontline1)
    complaint_id = api.log(customer=CONTACT, contact_consent=True).json()["id"]
    assert api.step(complaint_id, "apologize", {"note": APOLOGY_NOTE}).status_code == 200
    lines = [{"kind": "voucher", "amount": "10.00", "note": "Voucher-note-typed-by-staff"}]
    assert api.step(complaint_id, "respond", {"resolution": RESOLUTION, "compensation": lines}).status_code == 200
    refund = [{"kind": "voucher", "amount": "600.00", "note": ""}]
    asked = api.step(complaint_id, "compensation", {"compensation": refund})
    assert asked.status_code in (200, 202), asked.json()
    assert CompensationAction.objects.filter(complaint_id=complaint_id, amount=600).exclude(status="granted").exists()
    other = api.log(customer=CONTACT, description="Another visit.").json()["reference"]
    return complaint_id, other


def test_the_page_shows_exactly_what_the_customer_may_know(planted):
    complaint_id, other_reference = planted
    complaint = Complaint.objects.get(pk=complaint_id)

    response = customer().get(status_path(complaint_id))

    assert response.status_code == 200
    zone = complaint.store.zone
    events = {event.kind: event.at for event in complaint.events.all()}
    granted = CompensationAction.objects.get(complaint=complaint, status="granted")
    steps = sorted(
        [
            (events["logged"], "We received your complaint."),
            (events["apologized"], "We apologized to you."),
            (events["responded"], "We dealt with your complaint."),
            (granted.granted_at, "We gave you: Voucher, ¥10.00."),
            (events["approval_requested"], "We asked for approval of what we offer you."),
        ],
        key=lambda step: step[0],
    )
    times = [(timezone.localtime(at, zone).strftime("%Y-%m-%d %H:%M"), text) for at, text in steps]
    assert page_text(response) == [
        "Your complaint",
        "Your reference:",
        complaint.reference,
        "We are getting approval for what we offer you.",
        "What has happened so far",
        *[line for pair in times for line in pair],
        "Times are the store's local time. Mention your reference if you speak to us about this.",
    ]
    # The times' machine-readable attributes hold microseconds, where "600" may turn up by chance.
    html = re.sub(r'datetime="[^"]*"', "", response.content.decode())
    for secret in [*STAFF_NAME, "frontline1", APOLOGY_NOTE, RESOLUTION, "Voucher-note", "600", other_reference, "Wang"]:
        assert secret not in html
    assert complaint.store.name in html  # the header names the store, as the public form does


def test_a_key_that_is_no_ones_or_the_complaints_id_or_reference_opens_nothing(planted):
    complaint_id, _other = planted
    complaint = Complaint.objects.get(pk=complaint_id)

    for key in ["x" * 22, complaint_id, complaint.reference, complaint.status_token[:-1]]:
        response = customer().get(f"/s/{key}/")
        assert response.status_code == 404
        assert page_text(response) == [
            "This link does not work",
            "Check that the whole link was copied, or ask the store for your complaint's reference.",
        ]
    assert len(complaint.status_token) >= 16
    assert complaint.status_token != Complaint.objects.exclude(pk=complaint_id).get().status_token


def test_the_link_expires_30_days_after_the_close_and_not_before(org, limits, sla):
    api = Api(org.frontline1)
    complaint_id = api.apologized(customer=CONTACT, contact_consent=True)
    walk(api, complaint_id, ["respond", "follow-up", "close"])
    closed_at = Complaint.objects.get(pk=complaint_id).closed_at
    path = status_path(complaint_id)

    with time_machine.travel(closed_at + timedelta(days=29, hours=23), tick=False):
        response = customer().get(path)
    assert response.status_code == 200
    assert "Your complaint was closed." in page_text(response)

    with time_machine.travel(closed_at + timedelta(days=30), tick=False):
        response = customer().get(path)
    assert response.status_code == 410
    assert page_text(response) == [
        "This link has expired",
        "Your complaint was closed some time ago. If something is still wrong, please tell the store.",
    ]


def test_it_reads_in_the_customers_language_until_they_switch(org, limits, sla):
    api = Api(org.frontline1)
    complaint_id = api.apologized(customer=CONTACT, contact_consent=True)
    Complaint.objects.get(pk=complaint_id).customer.__class__.objects.update(language="zh-hans")
    path = status_path(complaint_id)

    chinese = page_text(customer("en").get(path))
    assert chinese[:2] == ["您的投诉", "您的投诉编号："]

    switched = customer("en")
    switched.cookies["django_language"] = "en"
    assert page_text(switched.get(path))[0] == "Your complaint"


def test_the_survey_link_is_shown_while_it_may_be_answered(org, limits, sla):
    api = Api(org.frontline1)
    complaint_id = api.apologized(customer=CONTACT, contact_consent=True)
    walk(api, complaint_id, ["respond"])
    path = status_path(complaint_id)
    assert "/survey/" not in customer().get(path).content.decode()

    assert api.step(complaint_id, "survey").status_code == 200

    html = customer().get(path).content.decode()
    assert "Tell us whether we put it right" in html
    invitation = SurveyInvitation.objects.get()
    assert invitation.nonce in unescape(html) or "/survey/" in html


@override_settings(STATUS_LINK_RATE_PER_ADDRESS="3/m")
def test_opening_pages_is_limited_per_address_found_or_not(planted):
    complaint_id, _other = planted
    client = customer()
    answers = [client.get(f"/s/{'y' * 22}/").status_code for _ in range(3)]

    refused = client.get(status_path(complaint_id))

    assert answers == [404, 404, 404]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
