"""The store's public QR form over HTTP: what a customer sends becomes a complaint in the supervisors' queue,
and what a bot, a flood or a bad file sends does not; nobody learns about other complaints."""

import io
import re
from datetime import timedelta

import pytest
import segno
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from complaints.models import Channel, Complaint, ComplaintEvent, ComplaintPhoto, Customer, Deadline
from recovery.models import Notification
from staff.models import Store
from tests.helpers import T0, compose_trusted_proxies, jpeg_with_gps, sweep
from tests.web.test_pages import signed_in


def form_url(store) -> str:
    return f"/f/{store.public_token}/"


def visitor(language: str = "en", address: str = "203.0.113.7", **headers: str) -> Client:
    return Client(headers={"Accept-Language": language, **headers}, REMOTE_ADDR=address)


def complaint_of(**overrides) -> dict:
    return {
        "description": "The noodles were cold and we waited 40 minutes.",
        "still_in_store": "yes",
        "name": "Ms. Wang",
        "contact": "138 0013 8000",
        "contact_consent": "on",
        **overrides,
    }


def send(store, data: dict | None = None, *, client: Client | None = None, **files):
    return (client or visitor()).post(form_url(store), {**(data or complaint_of()), **files})


def photo_upload(content: bytes, name: str = "IMG_0001.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def thanks_reference(response) -> str:
    page = response.content.decode()
    return re.search(r'<p class="reference">([^<]+)</p>', page).group(1)


# --- A customer's complaint ------------------------------------------------------------------------------------


def test_a_customer_still_in_the_store_logs_a_high_complaint_for_the_stores_supervisor(org, sla):
    response = send(org.s1)

    assert response.status_code == 302
    thanks = visitor().get(response["Location"])
    assert thanks.status_code == 200
    complaint = Complaint.objects.get()
    assert thanks_reference(thanks) == complaint.reference
    assert complaint.reference.startswith("S1-")
    assert (complaint.channel, complaint.status, complaint.severity, complaint.stage) == (
        Channel.QR_FORM,
        "new",
        "high",
        "in_sale",
    )
    assert (complaint.assignee, complaint.created_by) == (org.supervisor1, None)
    assert complaint.customer.phone == "+8613800138000"
    assert complaint.customer.name == "Ms. Wang"
    assert complaint.contact_consent is True
    # High severity, remote channel (the store has no opening hours: always open): 1 h to apologize, 4 h to respond.
    due = {d.step: d.due_at - complaint.created_at for d in Deadline.objects.filter(complaint=complaint)}
    assert due == {"apologize": timedelta(hours=1), "respond": timedelta(hours=4)}
    assert complaint.next_due_at == complaint.created_at + timedelta(hours=1)
    (event,) = ComplaintEvent.objects.filter(complaint=complaint)
    assert (event.kind, event.actor, event.status_after) == ("logged", None, "new")
    assert event.data == {
        "channel": "qr_form",
        "severity": "high",
        "assignee": "supervisor1",
        "by": "customer",
        "photos": 0,
    }


def test_a_customer_who_left_logs_a_medium_after_sale_complaint_and_consent_needs_a_contact(org, sla):
    send(org.s1, complaint_of(still_in_store="no", name="", contact="", contact_consent="on"))

    complaint = Complaint.objects.get()
    assert (complaint.severity, complaint.stage, complaint.customer, complaint.contact_consent) == (
        "medium",
        "after_sale",
        None,
        False,
    )
    due = {d.step: d.due_at - complaint.created_at for d in Deadline.objects.filter(complaint=complaint)}
    assert due == {"apologize": timedelta(hours=2), "respond": timedelta(hours=8)}


def test_the_customer_is_found_again_by_phone_or_email_as_for_staff_intake(org, sla, api):
    api(org.frontline1).log(customer={"name": "Wang", "phone": "+86 138 0013 8000"})

    send(org.s1, complaint_of(contact="13800138000"))
    send(org.s1, complaint_of(contact="  Wang@Example.COM ", name="Wang Li"), client=visitor(address="203.0.113.8"))

    from_form = Complaint.objects.filter(channel="qr_form").order_by("created_at")
    assert from_form[0].customer.pk == Customer.objects.get(phone="+8613800138000").pk
    assert from_form[1].customer.email == "wang@example.com"
    assert Customer.objects.count() == 2


def test_a_contact_that_is_neither_phone_nor_email_is_refused_in_the_visitors_language(org, sla):
    response = send(org.s1, complaint_of(contact="call me maybe"), client=visitor("zh-hans"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "请输入有效的电话号码" in page
    assert "The noodles were cold" in page  # what was typed is kept
    assert not Complaint.objects.exists()


def test_the_complaint_shows_where_the_stores_supervisors_look_and_every_page_and_api_take_it(org, sla, api):
    send(org.s1)
    complaint = Complaint.objects.get()
    supervisor = signed_in(org.supervisor1)

    assert complaint.reference in supervisor.get("/").content.decode()  # their own queue
    assert complaint.reference in supervisor.get("/board/").content.decode()
    page = supervisor.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "the customer, on the store's QR form" in page
    assert "Yes, about this complaint" in page  # the customer agreed to be contacted
    detail = api(org.supervisor1).get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert (detail["created_by"], detail["channel"], detail["assignee"]) == (None, "qr_form", "supervisor1")
    listed = api(org.supervisor1).get("/api/v1/complaints/", channel="qr_form").json()
    assert [row["reference"] for row in listed["results"]] == [complaint.reference]
    assert api(org.admin).get("/api/v1/complaints/export.csv").status_code == 200
    assert api(org.admin).get("/api/v1/metrics/recovery/", group_by="channel").status_code == 200
    assert signed_in(org.admin).get(f"/admin/complaints/complaint/{complaint.pk}/change/").status_code == 200
    # And the flow goes on from there as for any complaint.
    assert api(org.supervisor1).step(str(complaint.pk), "apologize", {"note": "Called her"}).status_code == 200
    # Other stores' staff do not see it.
    assert api(org.frontline3).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404


def test_without_a_supervisor_the_complaint_goes_to_the_regions_manager(org, sla):
    org.supervisor2.is_active = False
    org.supervisor2.save()

    send(org.s2)

    assert Complaint.objects.get().assignee == org.manager1


def test_the_sweep_reminds_and_escalates_a_complaint_from_the_form_like_any_other(org, sla):
    with time_machine.travel(T0, tick=False):
        send(org.s1)
    complaint = Complaint.objects.get()

    sweep(T0 + timedelta(minutes=50))  # 80% of the hour to apologize
    sweep(T0 + timedelta(minutes=61))  # the hour has passed

    sent = Notification.objects.filter(complaint=complaint).order_by("level", "recipient__username")
    assert [(n.kind, n.level, n.recipient.username) for n in sent] == [
        ("reminder", 0, "supervisor1"),
        ("escalation", 1, "supervisor1"),
    ]
    complaint.refresh_from_db()
    assert complaint.escalation_level == 1


# --- Abuse ----------------------------------------------------------------------------------------------------


def phone(language: str = "en", address: str = "203.0.113.7") -> Client:
    """A customer's phone that opened the form (and so has its device cookie) at ``address``."""
    client = visitor(language, address)
    client.get(form_url(Store.objects.get(code="S1")))
    return client


def test_one_phone_is_limited_and_told_how_long_to_wait_keeping_what_was_typed(org, sla, settings, rate_limit_redis):
    settings.PUBLIC_FORM_RATE_PER_DEVICE = "2/h"
    same = phone()

    with time_machine.travel(T0, tick=False):
        assert [send(org.s1, client=same).status_code for _ in range(2)] == [302, 302]
        refused = send(org.s1, complaint_of(description="Third time: still cold."), client=same)

    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    page = refused.content.decode()
    minutes = -(-wait // 60)
    assert f"Several complaints were sent from here in a short time. Please try again in {minutes} minute" in page
    assert "Third time: still cold." in page
    assert Complaint.objects.count() == 2
    # Counted in the real Redis, where every web process sees the same count.
    assert list(rate_limit_redis.scan_iter(match="ratelimit:*"))
    # Another phone on the same Wi-Fi is not held up.
    assert send(org.s1, client=phone()).status_code == 302


def test_several_diners_on_one_stores_wifi_each_send_their_complaint(org, sla):
    """Issue 25: the form's 5 per 10 minutes per address blocked the sixth diner on a store's Wi-Fi."""
    diners = [phone() for _ in range(8)]

    statuses = [send(org.s1, client=diner).status_code for diner in diners]

    assert statuses == [302] * 8
    assert Complaint.objects.count() == 8


def test_a_sender_that_keeps_no_cookie_still_meets_its_addresss_limit(org, sla, settings):
    settings.PUBLIC_FORM_RATE_PER_ADDRESS = "3/10m"

    cookieless = [send(org.s1, client=visitor()).status_code for _ in range(4)]

    assert cookieless == [302] * 3 + [429]
    assert send(org.s1, client=phone()).status_code == 429  # the address is full, phones on it included
    assert send(org.s1, client=visitor(address="198.51.100.20")).status_code == 302


def test_invalid_posts_and_a_bots_do_not_use_up_the_stores_quota(org, sla, settings):
    """Issue 26: 60 invalid posts from 12 addresses closed a store's form for the next real customer."""
    settings.PUBLIC_FORM_RATE_PER_STORE = "3/h"
    for n in range(60):
        invalid = send(org.s1, complaint_of(description=""), client=visitor(address=f"198.51.100.{n % 12}"))
        assert invalid.status_code == 400
    for n in range(10):
        send(org.s1, complaint_of(website="https://spam.example"), client=visitor(address=f"198.51.100.{n}"))

    accepted = [send(org.s1, client=visitor(address=f"203.0.113.{n}")).status_code for n in range(4)]

    assert accepted == [302] * 3 + [429]
    assert Complaint.objects.count() == 3


def test_a_refused_sender_is_told_the_true_wait(org, sla, settings):
    """Issue 26: Retry-After said 600 s while the store's limit held for up to an hour."""
    settings.PUBLIC_FORM_RATE_PER_STORE = "1/h"
    with time_machine.travel(T0, tick=False) as clock:
        assert send(org.s1).status_code == 302
        refused = send(org.s1, client=visitor(address="198.51.100.30"))
        wait = int(refused["Retry-After"])
        minutes = -(-wait // 60)
        assert refused.status_code == 429
        assert f"Please try again in {minutes} minute" in refused.content.decode()

        clock.shift(wait - 1)
        assert send(org.s1, client=visitor(address="198.51.100.31")).status_code == 429
        clock.shift(1)
        assert send(org.s1, client=visitor(address="198.51.100.32")).status_code == 302


def test_a_sender_cannot_escape_its_limit_by_choosing_forwarded_addresses(org, sla, settings):
    """Issue 26: 8 posts with a fresh X-Forwarded-For each were all accepted (limit 5)."""
    settings.PUBLIC_FORM_RATE_PER_ADDRESS = "5/10m"
    settings.TRUSTED_PROXIES = compose_trusted_proxies()
    proxy = str(settings.TRUSTED_PROXIES[0].network_address)

    direct = [
        send(org.s1, client=visitor(address="198.51.100.7", **{"X-Forwarded-For": f"10.0.0.{n}"})).status_code
        for n in range(8)
    ]
    through_the_proxy = [
        send(org.s1, client=visitor(address=proxy, **{"X-Forwarded-For": f"10.0.1.{n}, 198.51.100.8"})).status_code
        for n in range(8)
    ]

    assert direct == [302] * 5 + [429] * 3
    assert through_the_proxy == [302] * 5 + [429] * 3


def test_an_ipv6_sender_is_limited_by_its_64(org, sla, settings):
    settings.PUBLIC_FORM_RATE_PER_ADDRESS = "5/10m"

    statuses = [send(org.s1, client=visitor(address=f"2001:db8:7:8::{n:x}")).status_code for n in range(1, 9)]

    assert statuses == [302] * 5 + [429] * 3


def test_one_store_is_limited_whoever_sends(org, sla, settings):
    settings.PUBLIC_FORM_RATE_PER_STORE = "3/h"

    statuses = [send(org.s1, client=visitor(address=f"198.51.100.{n}")).status_code for n in range(1, 5)]

    assert statuses == [302, 302, 302, 429]
    refused = send(org.s1, client=visitor("zh-hans", address="198.51.100.99"))
    assert "这家门店" in refused.content.decode()
    assert Complaint.objects.filter(store=org.s1).count() == 3
    assert send(org.s2, client=visitor(address="198.51.100.5")).status_code == 302  # another store is open


def test_a_bot_that_fills_the_hidden_field_is_thanked_and_nothing_is_created(org, sla):
    response = send(org.s1, complaint_of(website="https://spam.example"))

    assert response.status_code == 302
    thanks = visitor().get(response["Location"])
    assert thanks.status_code == 200
    assert re.fullmatch(r"S1-\d{8}-\d{4}", thanks_reference(thanks))
    assert not Complaint.objects.exists()
    assert not Customer.objects.exists()


def test_text_over_the_limit_is_refused_with_the_limit_in_the_visitors_language(org, sla):
    response = send(org.s1, complaint_of(description="冷" * 2001), client=visitor("zh-hans"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "不超过 2000 字符" in page
    assert "冷" * 2001 in page
    assert not Complaint.objects.exists()


def test_a_photo_over_the_limit_is_refused_and_the_text_kept(org, sla, settings):
    settings.PUBLIC_FORM_PHOTO_MAX_BYTES = 50_000
    photo = jpeg_with_gps()
    assert len(photo) > 50_000

    response = send(org.s1, complaint_of(), photo=photo_upload(photo))

    assert response.status_code == 400
    page = response.content.decode()
    assert "The photo is too large: send one of at most 48.8 KB." in page
    assert "The noodles were cold" in page
    assert not Complaint.objects.exists()


def test_a_body_far_over_the_limits_is_answered_with_the_form_not_read_and_never_a_500(org, sla, settings):
    settings.PUBLIC_FORM_PHOTO_MAX_BYTES = 100_000
    huge = b"\xff\xd8" + b"0" * 400_000

    too_long = send(org.s1, complaint_of(), photo=photo_upload(huge))
    # A text field over Django's own limit on what a form's fields may hold in memory.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    too_much_text = send(org.s1, complaint_of(description="x" * 20_000))

    assert too_long.status_code == 413
    assert "The photo is too large" in too_long.content.decode()
    assert too_much_text.status_code == 413
    assert "What you sent is too large" in too_much_text.content.decode()
    assert not Complaint.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(org, sla):
    response = send(org.s1, photo=photo_upload(b"%PDF-1.7 not a photo at all", name="receipt.jpg"))

    assert response.status_code == 400
    assert "That file is not a photo we can read" in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_decompression_bomb_is_refused_before_it_is_decoded(org, sla):
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # a small file of a hundred million pixels
    assert len(out.getvalue()) < 100_000

    response = send(org.s1, photo=photo_upload(out.getvalue(), name="bomb.png", content_type="image/png"))

    assert response.status_code == 400
    assert "That picture has too many pixels" in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_photo_is_kept_as_a_bounded_jpeg_without_its_gps_or_camera_metadata(org, sla):
    original = Image.open(io.BytesIO(jpeg_with_gps()))
    assert original.getexif().get_ifd(0x8825)  # the upload does carry where it was taken

    send(org.s1, photo=photo_upload(jpeg_with_gps()))

    photo = ComplaintPhoto.objects.get()
    with photo.image.open("rb") as stored_file:
        stored = Image.open(io.BytesIO(stored_file.read()))
    assert stored.format == "JPEG"
    assert max(stored.size) == 2048
    assert (photo.width, photo.height) == stored.size
    assert dict(stored.getexif()) == {}
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(stored.info)
    assert ComplaintEvent.objects.get().data["photos"] == 1


def test_staff_of_the_store_see_the_photo_and_nobody_else_does(org, sla):
    send(org.s1, photo=photo_upload(jpeg_with_gps((400, 300))))
    complaint, photo = Complaint.objects.get(), ComplaintPhoto.objects.get()
    url = f"/complaints/{complaint.pk}/photos/{photo.pk}/"

    page = signed_in(org.supervisor1).get(f"/complaints/{complaint.pk}/").content.decode()
    assert url in page
    shown = signed_in(org.frontline1).get(url)
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(shown.streaming_content))).size == (400, 300)
    assert signed_in(org.frontline3).get(url).status_code == 404  # another store's staff
    assert visitor().get(url).status_code == 302  # to the sign-in page
    assert "media" not in page


def test_the_form_keeps_csrf_protection(org, sla):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.9")

    assert client.post(form_url(org.s1), complaint_of()).status_code == 403

    client.get(form_url(org.s1))
    token = client.cookies["csrftoken"].value
    assert client.post(form_url(org.s1), {**complaint_of(), "csrfmiddlewaretoken": token}).status_code == 302
    assert Complaint.objects.count() == 1


# --- What a visitor can learn ---------------------------------------------------------------------------------


def test_the_form_is_found_by_its_token_only_and_shows_nothing_of_other_complaints(org, sla, api):
    api(org.frontline1).log(description="Secret earlier complaint", customer={"name": "Earlier", "phone": ""})
    earlier = Complaint.objects.get()

    page = visitor().get(form_url(org.s1))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Secret earlier complaint" not in html
    assert earlier.reference not in html
    assert "Earlier" not in html
    assert visitor().get("/f/S1/").status_code == 404  # the store's code is not its form
    assert visitor().get(f"/f/{org.s1.public_token[:-1]}x/").status_code == 404
    assert visitor().get(f"/complaints/{earlier.pk}/").status_code == 302  # staff pages need a sign-in


def test_a_thank_you_link_shows_its_own_reference_only_and_cannot_be_forged(org, sla):
    location = send(org.s1)["Location"]
    receipt = location.rstrip("/").rsplit("/", 1)[1]

    assert visitor().get(location).status_code == 200
    forged = visitor().get(location.replace(receipt, receipt[:-2] + "xx"))
    other_store = visitor().get(f"/f/{org.s2.public_token}/thanks/{receipt}/")
    assert (forged.status_code, forged["Location"]) == (302, form_url(org.s1))
    assert (other_store.status_code, other_store["Location"]) == (302, form_url(org.s2))


def test_the_form_speaks_the_browsers_language(org, sla):
    assert "发生了什么" in visitor("zh-hans").get(form_url(org.s1)).content.decode()
    assert "What happened?" in visitor("en").get(form_url(org.s1)).content.decode()


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_only_admins_download_a_stores_qr_code(org, fmt):
    url = f"/admin/staff/store/{org.s1.pk}/qr.{fmt}"

    assert signed_in(org.supervisor1).get(url).status_code == 302  # to the admin's sign-in
    assert visitor().get(url).status_code == 302
    response = signed_in(org.admin).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == {"png": "image/png", "svg": "image/svg+xml"}[fmt]
    assert f"complaint-form-S1.{fmt}" in response["Content-Disposition"]


def test_the_qr_codes_lead_to_the_stores_form_at_the_site_url(org, settings):
    settings.SITE_URL = "https://desk.example.com"
    url = f"https://desk.example.com/f/{org.s1.public_token}/"
    admin = signed_in(org.admin)

    png = Image.open(io.BytesIO(admin.get(f"/admin/staff/store/{org.s1.pk}/qr.png").content)).convert("L")
    svg = admin.get(f"/admin/staff/store/{org.s1.pk}/qr.svg").content.decode()

    # Read the PNG's modules (12 px each, 4 modules of quiet zone) and compare them with that link's QR code.
    expected = segno.make(url, error="m", micro=False)
    size = len(expected.matrix)
    modules = [[png.getpixel((12 * (4 + x) + 6, 12 * (4 + y) + 6)) < 128 for x in range(size)] for y in range(size)]
    assert modules == [[bool(bit) for bit in row] for row in expected.matrix]
    assert png.size == (12 * (size + 8),) * 2
    assert url in svg
    assert svg.startswith("<?xml")
    change_page = admin.get(f"/admin/staff/store/{org.s1.pk}/change/").content.decode()
    assert url in change_page
    assert f"{org.s1.pk}/qr.png" in change_page
    assert f"{org.s1.pk}/qr.svg" in change_page


def test_an_admin_regenerates_a_stores_link_and_the_old_one_stops_working(org, sla):
    old = form_url(org.s1)

    response = signed_in(org.admin).post(
        "/admin/staff/store/", {"action": "regenerate_public_form_link", "_selected_action": [org.s1.pk]}
    )

    assert response.status_code == 302
    org.s1.refresh_from_db()
    assert form_url(org.s1) != old
    assert visitor().get(old).status_code == 404
    assert visitor().get(form_url(org.s1)).status_code == 200


def test_with_redis_unreachable_the_form_still_takes_the_complaint(org, sla, settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {**settings.CACHES["ratelimit"], "LOCATION": "redis://127.0.0.1:1/0"},
    }

    assert send(org.s1).status_code == 302
    assert Complaint.objects.count() == 1


def test_a_store_with_nobody_to_take_complaints_says_so_and_keeps_the_text(org, sla):
    for user in (org.supervisor1, org.manager1, org.admin):
        user.is_active = False
        user.save()

    response = send(org.s1, client=visitor("zh-hans"))

    assert response.status_code == 503
    page = response.content.decode()
    assert "本店暂时无法在线受理投诉" in page
    assert "The noodles were cold" in page
    assert not Complaint.objects.exists()


def test_the_public_pages_and_the_photo_cost_a_fixed_number_of_queries(org, sla, django_assert_num_queries):
    location = send(org.s1, photo=photo_upload(jpeg_with_gps((40, 30))))["Location"]
    complaint, photo = Complaint.objects.get(), ComplaintPhoto.objects.get()
    supervisor = signed_in(org.supervisor1)

    with django_assert_num_queries(2):  # the store by its token, the categories
        visitor().get(form_url(org.s1))
    with django_assert_num_queries(1):  # the store by its token
        visitor().get(location)
    with django_assert_num_queries(5):  # session, user, their store (its time zone), the complaint in scope, photos
        supervisor.get(f"/complaints/{complaint.pk}/photos/{photo.pk}/")
