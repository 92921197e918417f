"""Consent on the tablet's new-complaint form, and the follow-up survey on the complaint's page (its QR code)."""

from complaints.models import Complaint, ComplaintEvent
from recovery.models import SurveyInvitation
from recovery.surveys import invitations
from tests.api.test_survey_api import responded
from tests.web.test_pages import NEW, form_key, new_complaint, signed_in


def test_consent_without_a_phone_or_email_shows_the_form_again_with_why(org):
    body = new_complaint(customer_phone="", contact_consent="on", description="Cold soup, twice.")

    response = signed_in(org.frontline1, language="zh-hans").post(NEW, body, follow=True)

    assert response.status_code == 400
    page = response.content.decode()
    assert "顾客同意联系时，需留下电话号码或邮箱地址。" in page
    assert "Cold soup, twice." in page  # nothing typed is lost
    assert not Complaint.objects.exists()


def test_consent_with_an_email_is_logged_and_shown_on_the_complaint(org):
    body = new_complaint(customer_phone="", customer_email="Wang@Example.com", contact_consent="on")

    response = signed_in(org.frontline1).post(NEW, body)

    complaint = Complaint.objects.get()
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    assert (complaint.contact_consent, complaint.customer.email) == (True, "wang@example.com")
    page = signed_in(org.frontline1).get(response["Location"]).content.decode()
    assert "May we contact them?" in page
    assert "Yes, about this complaint" in page


def test_the_survey_is_sent_from_the_complaints_page_and_shown_as_a_qr_code(org, api):
    complaint_id = responded(api(org.frontline1))
    client = signed_in(org.frontline1)
    path = f"/complaints/{complaint_id}/"
    page = client.get(path).content.decode()
    assert "Send the survey link" in page
    assert "qr-code" not in page

    response = client.post(f"{path}survey/", {"form_key": form_key(page.encode(), f"{path}survey/")})

    assert response["Location"] == path
    page = client.get(path).content.decode()
    assert '<svg width="' in page
    assert 'class="qr-code"' in page
    assert "It is being emailed to the customer." in page
    assert "Send a new link" in page
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="survey_sent").count() == 1


def test_sending_the_survey_twice_from_one_form_sends_it_once(org, api):
    complaint_id = responded(api(org.frontline1))
    client = signed_in(org.frontline1)
    path = f"/complaints/{complaint_id}/"
    key = form_key(client.get(path).content, f"{path}survey/")

    client.post(f"{path}survey/", {"form_key": key})
    client.post(f"{path}survey/", {"form_key": key})

    assert SurveyInvitation.objects.count() == 1


def test_without_consent_the_page_asks_for_the_follow_up_in_person(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    frontline1.step(complaint_id, "respond", {"resolution": "A fresh bowl."})

    page = signed_in(org.frontline1).get(f"/complaints/{complaint_id}/").content.decode()

    assert "follow up in person" in page
    assert "Send the survey link" not in page


def test_a_survey_sent_without_consent_is_refused_on_the_page_with_why(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    frontline1.step(complaint_id, "respond", {"resolution": "A fresh bowl."})

    response = signed_in(org.frontline1).post(f"/complaints/{complaint_id}/survey/", {}, follow=True)

    assert response.status_code == 409
    assert "did not agree to be contacted about this complaint" in response.content.decode()
    assert not SurveyInvitation.objects.exists()


def test_the_customers_survey_page_costs_one_query(org, api, client, django_assert_num_queries):
    complaint_id = responded(api(org.frontline1))
    api(org.frontline1).step(complaint_id, "survey")
    path = f"/survey/{invitations.survey_token(SurveyInvitation.objects.get())}/"

    with django_assert_num_queries(1):  # the invitation, with its complaint, store and category
        assert client.get(path).status_code == 200
