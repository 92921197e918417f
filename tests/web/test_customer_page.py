"""The customer's page and the flags on the tablet: shown to their stores' staff, the tier set by supervisors."""

import re
from datetime import timedelta
from decimal import Decimal

import time_machine

from complaints.models import Category, Complaint, Customer
from recovery.models import CompensationGuideline
from tests.helpers import T0, at, log_at
from tests.web.test_pages import form_key, signed_in

DAY = timedelta(days=1)
WANG = {"name": "Ms. Wang", "phone": "138 0013 8000"}


def test_the_complaint_page_links_to_the_customer_and_shows_a_repeat_complainant(org, api):
    first = log_at(api(org.frontline1), T0 - 10 * DAY, customer=WANG)
    second = log_at(api(org.frontline1), T0, customer=WANG)
    customer_id = Complaint.objects.get(pk=second).customer_id

    # Read on the day of the second (the 90 days are counted back from the reading).
    with time_machine.travel(T0, tick=False):
        page = signed_in(org.frontline1).get(f"/complaints/{second}/").content.decode()
        customer_page = signed_in(org.frontline1).get(f"/customers/{customer_id}/").content.decode()

    assert f'href="/customers/{customer_id}/"' in page
    assert "Repeat complainant: 2 complaints in 90 days" in page
    assert "+8613800138000" in customer_page
    assert Complaint.objects.get(pk=first).reference in customer_page
    assert 'action="/customers/' not in customer_page  # frontline staff do not set tiers


def test_staff_of_other_stores_get_no_customer_page(org, api):
    complaint_id = api(org.frontline1).log(customer=WANG).json()["id"]
    customer_id = Complaint.objects.get(pk=complaint_id).customer_id

    assert signed_in(org.supervisor2).get(f"/customers/{customer_id}/").status_code == 404
    assert (
        signed_in(org.frontline3).post(f"/customers/{customer_id}/tier/", {"tier": "A", "reason": "x"}).status_code
        == 404
    )


def test_a_supervisor_sets_the_tier_with_a_reason_and_the_form_comes_back_without_one(org, api):
    complaint_id = api(org.frontline1).log(customer=WANG).json()["id"]
    customer_id = Complaint.objects.get(pk=complaint_id).customer_id
    supervisor = signed_in(org.supervisor1, language="zh-hans")
    url = f"/customers/{customer_id}/"
    page = supervisor.get(url).content

    refused = supervisor.post(
        url + "tier/", {"tier": "A", "reason": "", "form_key": form_key(page, url + "tier/")}, follow=True
    )
    assert refused.status_code == 400
    assert "该字段是必填项。" in refused.content.decode()  # Django's "required", in the reader's language

    done = supervisor.post(url + "tier/", {"tier": "A", "reason": "会员卡", "form_key": form_key(page, url + "tier/")})
    assert (done.status_code, done["Location"]) == (302, url)
    assert Customer.objects.get(pk=customer_id).tier.code == "A"
    shown = supervisor.get(url).content.decode()
    assert "A · 贵宾" in shown
    assert re.search(r"默认等级 → A · .*会员卡", shown)


def test_the_approval_queue_shows_the_flags(org, api, limits):
    category = Category.objects.get(code="food_quality")
    CompensationGuideline.objects.create(category=category, severity="high", min_amount=0, max_amount=Decimal(10))
    frontline1 = api(org.frontline1)
    for days_ago, amount in ((3, "30.00"), (0, "80.00")):
        complaint_id = log_at(frontline1, T0 - days_ago * DAY, customer=WANG)
        at(T0 - days_ago * DAY, frontline1.step, complaint_id, "apologize", {"note": ""})
        at(T0 - days_ago * DAY, frontline1.respond, complaint_id, ("voucher", amount))

    with time_machine.travel(T0, tick=False):
        page = signed_in(org.supervisor1).get("/approvals/").content.decode()

    assert "Repeat complainant: 2 complaints in 90 days" in page
    assert "Unusual compensation: 1 of 2 complaints in a year got more than the guideline" not in page  # exactly half
