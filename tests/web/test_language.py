"""The language each person is answered in: the one they chose (kept with them, not with the tablet), else their
browser's."""

from django.conf import settings
from django.test import Client

from staff.models import User
from tests.web.test_pages import signed_in


def test_a_person_who_chose_chinese_reads_chinese_pages_on_a_tablet_set_to_english(org):
    org.frontline1.language = "zh-hans"
    org.frontline1.save()

    page = signed_in(org.frontline1, language="en").get("/")

    assert page["Content-Language"] == "zh-hans"
    assert "我未结的投诉" in page.content.decode()


def test_a_person_who_chose_nothing_reads_what_their_browser_asks_for(org):
    assert "我未结的投诉" in signed_in(org.frontline1, language="zh-hans").get("/").content.decode()
    assert "My open complaints" in signed_in(org.frontline1, language="en").get("/").content.decode()


def test_the_headers_switch_keeps_the_choice_with_the_person_not_the_tablet(org):
    tablet = signed_in(org.frontline1, language="en")

    response = tablet.post("/language/", {"language": "zh-hans", "next": "/inbox/"})

    assert (response.status_code, response["Location"]) == (302, "/inbox/")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies  # the next person on this tablet is not moved
    assert User.objects.get(pk=org.frontline1.pk).language == "zh-hans"
    assert "通知" in signed_in(org.frontline1, language="en").get("/inbox/").content.decode()  # another tablet
    assert "My open complaints" in signed_in(org.frontline2, language="en").get("/").content.decode()


def test_the_switch_before_signing_in_is_the_browsers_own(org):
    tablet = Client(headers={"Accept-Language": "en"})

    response = tablet.post("/language/", {"language": "zh-hans", "next": "/sign-in/"})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "登录" in tablet.get("/sign-in/").content.decode()


def test_the_switch_goes_back_only_to_this_sites_pages(org):
    response = signed_in(org.frontline1).post("/language/", {"language": "en", "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_the_settings_page_goes_back_to_following_the_browser(org):
    org.frontline1.language = "zh-hans"
    org.frontline1.save()
    tablet = signed_in(org.frontline1, language="en")
    assert "跟随浏览器 (English)" in tablet.get("/settings/").content.decode()

    saved = tablet.post("/settings/", {"language": ""}, follow=True)

    assert saved.status_code == 200
    assert "Saved: the pages, the API and your emails now speak this language." in saved.content.decode()
    assert User.objects.get(pk=org.frontline1.pk).language == ""


def test_a_language_not_offered_is_refused_on_its_field(org):
    tablet = signed_in(org.frontline1, language="zh-hans")

    refused = tablet.post("/settings/", {"language": "fr"}, follow=True)

    assert refused.status_code == 400
    assert refused.context["form"].errors["language"]
    assert User.objects.get(pk=org.frontline1.pk).language == ""


def test_signing_in_notes_the_browsers_language_for_the_persons_emails(org):
    tablet = Client(headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})

    response = tablet.post("/sign-in/", {"username": "frontline1", "password": "test-pass-123"})

    assert response.status_code == 302
    frontline1 = User.objects.get(pk=org.frontline1.pk)
    assert (frontline1.language, frontline1.browser_language, frontline1.written_language) == ("", "zh-hans", "zh-hans")
