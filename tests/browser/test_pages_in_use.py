"""The pages as people use them (issue 25): the filters applied with a value, the downloads that arrive as
files, a reload after a refused form, an expired session, two people on one tablet, in both languages."""

import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from playwright.sync_api import expect

from complaints.models import Complaint
from tests.browser.helpers import screenshot
from tests.conftest import METRICS_DAY
from tests.helpers import HOUR, MINUTE, T0, sweep

LANGUAGES = ["en", "zh-hans"]


def short(language: str) -> str:
    return "zh" if language == "zh-hans" else "en"


# --- 1. The dashboard's CSV buttons download a file -----------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboards_csv_buttons_download_a_file_and_leave_the_page(page_for, day_of_complaints, tap, language):
    with time_machine.travel(T0 + 3 * HOUR, tick=True):
        page = page_for(day_of_complaints.admin, language=language, viewport=(1024, 768))
        page.goto(f"/dashboard/?date_from={METRICS_DAY}&date_to={METRICS_DAY}")
        heading = page.get_by_role("heading", level=1)
        title = heading.inner_text()

        name = "Table by day (CSV)" if language == "en" else "按日明细表（CSV）"
        with page.expect_download() as arrived:
            tap(page.get_by_role("link", name=name))
        download = arrived.value

        assert download.suggested_filename.endswith(".csv")
        assert METRICS_DAY in Path(download.path()).read_text(encoding="utf-8-sig")
        expect(heading).to_have_text(title)  # the dashboard is still there, not a page of CSV text
        expect(page.locator("figure.chart svg")).to_have_count(6)


# --- 2. The dashboard's dates show in Chinese too ---------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboards_dates_show_and_apply_in_both_languages(page_for, day_of_complaints, tap, language):
    with time_machine.travel(T0 + 3 * HOUR, tick=True):
        page = page_for(day_of_complaints.admin, language=language, viewport=(1024, 768))
        page.goto("/dashboard/")  # the last 30 days, as the form fills them in

        expect(page.locator("#id_date_from")).to_have_value("2026-10-25")
        expect(page.locator("#id_date_to")).to_have_value(METRICS_DAY)
        tap(page.locator("form.filters button"))  # 显示 / Show, without picking the dates again

        expect(page).to_have_url(re.compile(f"date_from=2026-10-25&date_to={METRICS_DAY}"))
        expect(page.locator(".figure").first).to_contain_text("3")
        page.reload()
        expect(page.locator("#id_date_from")).to_have_value("2026-10-25")
        expect(page.locator("#id_date_to")).to_have_value(METRICS_DAY)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        screenshot(page, f"dashboard-filters-{short(language)}-landscape")


# --- 3. The store board's status filter -------------------------------------------------------------------


STATUS_LABELS = {
    "en": {"awaiting_approval": "Awaiting approval", "closed": "Closed"},
    "zh-hans": {"awaiting_approval": "待审批", "closed": "已关闭"},
}


def board_refreshes(page) -> None:
    """The board's own refresh (every 10 s on the page's clock, installed before it opened), answered and drawn."""
    with page.expect_response(lambda response: "/board/" in response.url):
        page.clock.run_for(11_000)
    page.wait_for_timeout(300)  # htmx swaps the answer in


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", ["awaiting_approval", "closed"])
def test_the_boards_status_filter_lists_only_that_status(page_for, floor, tap, language, status):
    org, references = floor
    page = page_for(org.supervisor1, language=language)
    page.clock.install()
    page.goto("/board/")
    board = page.locator("#board")
    expect(board).to_contain_text(references["new"])
    expect(board).not_to_contain_text(references["closed"])  # open ones by default

    tap.choose(page.locator("#id_status"), STATUS_LABELS[language][status])

    expect(page).to_have_url(re.compile(f"status={status}"))
    expect(board.locator(".ref")).to_have_text([references[status]])
    board_refreshes(page)  # with the filter
    expect(board.locator(".ref")).to_have_text([references[status]])
    page.reload()  # the address keeps the filter
    expect(page.locator("#id_status")).to_have_value(status)
    expect(board.locator(".ref")).to_have_text([references[status]])
    if status == "awaiting_approval":
        page.evaluate("document.activeElement && document.activeElement.blur()")
        screenshot(page, f"board-filtered-{short(language)}-portrait")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_board_filter_that_cannot_be_applied_says_so_and_lists_nothing(page_for, page_guards, floor, language):
    org, references = floor
    page_guards.expect_console_error("status of 400")
    page = page_for(org.supervisor1, language=language)
    page.clock.install()
    response = page.goto("/board/?status=lost")

    assert response.status == 400
    alert = page.locator("#board [role=alert]")
    expect(alert).to_contain_text({"en": "Status", "zh-hans": "状态"}[language])
    expect(page.locator("#board")).not_to_contain_text(references["new"])
    board_refreshes(page)  # asking the same: still refused, still nothing listed
    expect(alert).to_be_visible()
    expect(page.locator("#board")).not_to_contain_text(references["new"])


# --- 4. An ended session keeps what was typed; 7. drafts belong to one person -----------------------------

SIGN_IN = {"en": "Sign in", "zh-hans": "登录"}
LOG_IT = {"en": "Log the complaint", "zh-hans": "登记投诉"}
SIGN_OUT = {"en": "Sign out", "zh-hans": "退出登录"}
CATEGORY = {"en": "Food quality", "zh-hans": "菜品质量"}


def type_a_complaint(page, tap, language, *, description: str, phone: str) -> None:
    page.goto("/complaints/new/")
    tap(page.get_by_label(CATEGORY[language], exact=True))
    tap(page.locator("#id_description"))
    page.locator("#id_description").fill(description)
    tap(page.locator("#id_customer_phone"))
    # The form looks the customer up as the phone is typed (after a 400 ms pause): a person's next tap comes later.
    with page.expect_response(lambda response: "/complaints/new/customer/" in response.url):
        page.locator("#id_customer_phone").fill(phone)


def sign_in(page, tap, language, username: str) -> None:
    expect(page.get_by_role("heading", name=SIGN_IN[language])).to_be_visible()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("test-pass-123")
    tap(page.locator("form[action$='/sign-in/'] button.primary"))
    expect(page).not_to_have_url(re.compile("/sign-in/"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_complaint_sent_after_the_session_ended_is_kept_through_signing_in_again(
    page_for, page_guards, floor, tap, language
):
    org, _references = floor
    page_guards.expect_console_error("status of 401")
    page = page_for(org.frontline1, language=language)
    type_a_complaint(page, tap, language, description="汤是凉的，等了四十分钟", phone="139 1234 5678")
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)  # the session ended meanwhile

    tap(page.get_by_role("button", name=LOG_IT[language]))

    expect(page.get_by_role("alert")).to_be_visible()  # not sent: sign in again to send it
    expect(page).to_have_url(re.compile(r"/sign-in/\?next="))
    assert Complaint.objects.filter(description__startswith="汤是凉的").count() == 0
    if language == "zh-hans":
        screenshot(page, "signed-out-while-typing-zh-portrait")
    sign_in(page, tap, language, "frontline1")

    expect(page).to_have_url(re.compile("/complaints/new/$"))
    expect(page.locator("#id_description")).to_have_value("汤是凉的，等了四十分钟")
    expect(page.locator("#id_customer_phone")).to_have_value("139 1234 5678")
    tap(page.get_by_role("button", name=LOG_IT[language]))
    expect(page.locator("#complaint")).to_be_visible()
    assert Complaint.objects.get(description="汤是凉的，等了四十分钟").created_by == org.frontline1


def drafts(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter((key) => key.includes('draft'))")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_draft_is_not_shown_to_the_next_person_on_the_tablet(page_for, floor, tap, language):
    org, _references = floor
    page = page_for(org.frontline1, language=language)
    type_a_complaint(page, tap, language, description="Cold soup, table 4", phone="139 1234 5678")
    assert drafts(page)

    tap(page.get_by_role("button", name=SIGN_OUT[language]))
    sign_in(page, tap, language, "frontline2")
    page.goto("/complaints/new/")

    expect(page.locator("#id_description")).to_have_value("")
    expect(page.locator("#id_customer_phone")).to_have_value("")
    assert drafts(page) == []  # the customer's phone is not left on the tablet either


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_stale_tab_after_another_sign_in_answers_with_the_desks_page_and_keeps_the_text(
    page_for, page_guards, floor, tap, language
):
    org, _references = floor
    page_guards.expect_console_error("status of 403")
    stale = page_for(org.frontline1, language=language)
    type_a_complaint(stale, tap, language, description="Cold soup, table 4", phone="139 1234 5678")
    other = stale.context.new_page()  # another tab on the same tablet
    other.goto("/")
    tap(other.get_by_role("button", name=SIGN_OUT[language]))
    sign_in(other, tap, language, "frontline2")

    tap(stale.get_by_role("button", name=LOG_IT[language]))

    heading = {"en": "This page was out of date", "zh-hans": "此页面已过期"}[language]
    expect(stale.get_by_role("heading", name=heading)).to_be_visible()
    expect(stale.locator("body")).not_to_contain_text("CSRF")
    assert Complaint.objects.filter(description="Cold soup, table 4").count() == 0
    if language == "zh-hans":
        screenshot(stale, "stale-tab-zh-portrait")
    other.goto("/complaints/new/")
    expect(other.locator("#id_description")).to_have_value("")  # frontline2 does not see it
    tap(other.get_by_role("button", name=SIGN_OUT[language]))
    sign_in(other, tap, language, "frontline1")
    other.goto("/complaints/new/")
    expect(other.locator("#id_description")).to_have_value("Cold soup, table 4")  # its author does


# --- 6. A reload after a refused form shows the page, not "HTTP ERROR 405" ----------------------------------

APPROVE = {"en": "Approve", "zh-hans": "批准"}
REJECT = {"en": "Reject", "zh-hans": "驳回"}
TAKE_OVER = {"en": "Take over", "zh-hans": "接手"}


def reload_shows_the_page(page, path: str) -> None:
    """The address is the page's own (not the POST's), and reloading it shows the page again."""
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    response = page.reload()
    assert response.status == 200, response.status
    expect(page.locator("main h1")).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_pin_is_refused_with_why_and_the_page_reloads(page_for, page_guards, floor, tap, language):
    org, references = floor
    page_guards.expect_console_error("status of 403")
    complaint = Complaint.objects.get(reference=references["awaiting_approval"])
    page = page_for(org.frontline1, language=language)
    page.goto(f"/complaints/{complaint.pk}/")
    tap(page.locator("form.in-person input[name=approver]").first)
    page.locator("form.in-person input[name=pin]").fill("9999")

    tap(page.locator("form.in-person").get_by_role("button", name=APPROVE[language], exact=True))

    expect(page.locator("form.in-person [role=alert]")).to_be_visible()  # why, where they act
    if language == "zh-hans":
        screenshot(page, "wrong-pin-zh-portrait", full_page=True)
    reload_shows_the_page(page, f"/complaints/{complaint.pk}/")
    expect(page.locator("form.in-person [role=alert]")).to_have_count(0)  # said once


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rejection_without_a_reason_is_refused_with_why_and_the_queue_reloads(
    page_for, page_guards, floor, tap, language
):
    org, references = floor
    page_guards.expect_console_error("status of 400")
    page = page_for(org.supervisor1, language=language, viewport=(1024, 768))
    page.goto("/approvals/")

    tap(page.get_by_role("button", name=REJECT[language], exact=True))

    expect(page.locator("#queue .field.invalid, #queue [role=alert]").first).to_be_visible()
    reload_shows_the_page(page, "/approvals/")
    assert Complaint.objects.get(reference=references["awaiting_approval"]).status == "awaiting_approval"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_stale_take_over_of_a_closed_complaint_says_so_after_the_redirect(page_for, floor, tap, language):
    org, references = floor
    closed = Complaint.objects.get(reference=references["closed"])
    page = page_for(org.supervisor1, language=language)
    page.goto(f"/complaints/{closed.pk}/")
    page.evaluate(
        """(token) => {
            // A take-over sent from a board drawn before the complaint was closed.
            const form = document.createElement("form");
            form.method = "post";
            form.action = location.pathname + "assign/";
            form.innerHTML = `<input name="csrfmiddlewaretoken" value="${token}"><input name="assignee" value="SELF">`;
            document.querySelector("main").append(form);
            form.requestSubmit();
        }""".replace("SELF", str(org.supervisor1.pk)),
        page.evaluate("document.querySelector('[name=csrfmiddlewaretoken]').value"),
    )

    # What happened, in plain words, on the complaint's page (answered 200: no error page, no console error).
    said = {"en": "was closed meanwhile: there is nothing to take over", "zh-hans": "已关闭，无需接手"}[language]
    expect(page.locator(".messages")).to_contain_text(f"{closed.reference} {said}")
    expect(page.locator("main [role=alert]")).to_have_count(0)
    reload_shows_the_page(page, f"/complaints/{closed.pk}/")
    expect(page.locator(".messages")).to_have_count(0)  # said once
    assert Complaint.objects.get(pk=closed.pk).assignee == org.frontline1


# --- 17. Frontline staff find a complaint by what the customer tells them ------------------------------------

FIND = {"en": "Find a complaint", "zh-hans": "查找投诉"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_frontline_employee_finds_a_colleagues_complaint_by_the_customers_phone(page_for, floor, tap, language):
    org, references = floor
    page = page_for(org.frontline2, language=language)  # frontline1 logged them all
    page.goto("/")

    box = page.get_by_label(FIND[language])
    tap(box)
    box.fill("138 0013 8000")  # as the customer says it at the counter
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"search=138"))
    found = page.locator("main .cards .ref")
    expect(found).to_have_count(3)
    expect(found.first).to_have_text(references["closed"])  # the newest first, closed ones too
    if language == "zh-hans":
        screenshot(page, "search-zh-portrait")
    tap(page.get_by_role("link", name=re.compile(references["awaiting_approval"])))
    expect(page.get_by_role("heading", level=1)).to_contain_text(references["awaiting_approval"])


# --- 5. A customer still in the store reaches the supervisor at once ----------------------------------------

STILL_HERE = {"en": "Yes, I am here now", "zh-hans": "是，我还在店里"}
LEFT = {"en": "No, I have left", "zh-hans": "不，我已离开"}
WHAT_HAPPENED = {"en": "What happened?", "zh-hans": "发生了什么？"}
SEND = {"en": "Send", "zh-hans": "提交"}
INBOX = {"en": "Inbox", "zh-hans": "通知"}
GO_TO_THEM = {"en": "The customer is in the store now: go to them.", "zh-hans": "顾客仍在店内，请马上过去。"}


def send_from_the_qr_form(page_for, tap, org, language, description: str, *, still_here: bool) -> str:
    """A customer's phone sends the store's QR form; the complaint's reference."""
    phone = page_for(None, language=language, viewport=(390, 844))
    phone.goto(f"/f/{org.s1.public_token}/")
    phone.get_by_label(WHAT_HAPPENED[language]).fill(description)
    tap(phone.get_by_label((STILL_HERE if still_here else LEFT)[language]))
    tap(phone.get_by_role("button", name=SEND[language]))
    expect(phone.locator(".reference")).to_be_visible()
    return Complaint.objects.get(description=description).reference


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_customer_still_in_the_store_reaches_the_supervisor_at_once(
    page_for, org, sla, rate_limit_redis, public_form_media, tap, language
):
    with time_machine.travel(T0, tick=True):
        # The supervisor watches the store board; nobody reloads it.
        tablet = page_for(org.supervisor1, language=language)
        tablet.clock.install()
        tablet.goto("/board/")
        board = tablet.locator("#board")
        expect(board).not_to_contain_text(GO_TO_THEM[language])

        reference = send_from_the_qr_form(
            page_for, tap, org, language, "面条是凉的，工作人员可以马上过来", still_here=True
        )
        left = send_from_the_qr_form(page_for, tap, org, language, "昨天的汤是凉的", still_here=False)
        tablet.clock.run_for(11_000)  # the board's own refresh

        waiting = board.locator("li").filter(has_text=reference)
        expect(waiting.locator(".waiting")).to_have_text(GO_TO_THEM[language])
        expect(board.locator("li").filter(has_text=left)).to_be_visible()
        expect(board.locator("li").filter(has_text=left).locator(".waiting")).to_have_count(0)  # gone home
        expect(tablet.locator("header .badge")).to_have_text("1")  # the badge, without a reload
        if language == "zh-hans":
            tablet.evaluate("document.activeElement && document.activeElement.blur()")
            screenshot(tablet, "customer-waiting-board-zh-portrait")

        tap(tablet.get_by_role("link", name=re.compile(INBOX[language])))
        expect(tablet.locator("main")).to_contain_text(reference)
        expect(tablet.locator("main")).to_contain_text("仍在店内" if language == "zh-hans" else "still in the store")
        other = "still in the store" if language == "zh-hans" else "仍在店内"
        expect(tablet.locator("main")).not_to_contain_text(other)  # one language at a time
        if language == "zh-hans":
            screenshot(tablet, "customer-waiting-inbox-zh-portrait")

        # Once someone has apologized to them, the board no longer sends anyone.
        complaint = Complaint.objects.get(reference=reference)
        tablet.goto(f"/complaints/{complaint.pk}/")
        tap(tablet.get_by_role("button", name={"en": "I apologized", "zh-hans": "已道歉"}[language]))
        expect(tablet.locator(".messages")).to_contain_text(reference)
        tablet.goto("/board/")
        expect(board.locator("li").filter(has_text=reference)).to_be_visible()
        expect(board.locator("strong.waiting")).to_have_count(0)


# --- 8. The rejection's reason where the employee acts; a timeline that says what happened ------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_employee_reads_why_it_was_not_approved_where_they_respond_again(page_for, floor, api, language):
    org, references = floor
    waiting = Complaint.objects.get(reference=references["awaiting_approval"])
    approval = waiting.approval_requests.get()
    org.supervisor1.first_name, org.supervisor1.last_name = "Chen", ""
    org.supervisor1.save()
    api(org.supervisor1).post(f"/api/v1/approvals/{approval.pk}/reject/", {"reason": "超出本店标准，请改送甜品"})

    page = page_for(org.frontline1, language=language)
    page.goto(f"/complaints/{waiting.pk}/")

    respond = page.locator("form[action$='/respond/']")
    expect(respond).to_contain_text("超出本店标准，请改送甜品")
    expect(respond).to_contain_text("Chen")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("¥80.00")  # what was asked for
    expect(timeline).to_contain_text("超出本店标准，请改送甜品")
    if language == "zh-hans":
        screenshot(page, "rejected-respond-again-zh-portrait", full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_timeline_shows_amounts_reassignment_notes_closure_and_root_cause(page_for, floor, api, language):
    org, references = floor
    closed = Complaint.objects.get(reference=references["closed"])
    org.frontline2.first_name, org.frontline2.last_name = "Li", "Na"
    org.frontline2.save()
    page = page_for(org.supervisor1, language=language)
    api(org.supervisor1).post(f"/api/v1/complaints/{closed.pk}/reopen/", {"reason": "顾客回电"})
    api(org.supervisor1).post(f"/api/v1/complaints/{closed.pk}/assign/", {"assignee": "frontline2"})

    page.goto(f"/complaints/{closed.pk}/")

    timeline = page.locator(".timeline")
    words = {
        "en": ["Resolved", "Reliability", "Back stage", "Li Na", "Sorry.", "Replaced the soup.", "顾客回电"],
        "zh-hans": ["已解决", "可靠性", "后台", "Li Na", "Sorry.", "Replaced the soup.", "顾客回电"],
    }[language]
    for word in words:
        expect(timeline).to_contain_text(word)


# --- 9. Only the compensation one may give is offered --------------------------------------------------------

REFUND = {"en": "Refund", "zh-hans": "退款"}
VOUCHER = {"en": "Voucher", "zh-hans": "代金券"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_frontline_employee_is_offered_only_what_they_may_give_and_told_who_gives_a_refund(
    page_for, floor, api, language
):
    org, _references = floor
    with time_machine.travel(T0, tick=True):
        complaint_id = api(org.frontline1).apologized(description="Charged twice")
    frontline = page_for(org.frontline1, language=language)
    frontline.goto(f"/complaints/{complaint_id}/")

    kinds = frontline.locator("#id_lines-0-kind option")
    expect(kinds.filter(has_text=VOUCHER[language])).to_have_count(1)
    expect(kinds.filter(has_text=REFUND[language])).to_have_count(0)
    who = {"en": "a supervisor or above can", "zh-hans": "须由主管或以上人员给予"}[language]
    expect(frontline.locator(".kind-for-others")).to_contain_text(who)
    expect(frontline.locator(".kind-for-others")).to_contain_text(REFUND[language])

    supervisor = page_for(org.supervisor1, language=language)
    supervisor.goto(f"/complaints/{complaint_id}/")
    expect(supervisor.locator("#id_lines-0-kind option").filter(has_text=REFUND[language])).to_have_count(1)
    expect(supervisor.locator(".kind-for-others")).to_have_count(0)


# --- 10. A notice in the reader's language, with names, money and its outcome --------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_approval_notice_reads_in_one_language_with_names_money_and_its_outcome(page_for, floor, api, tap, language):
    org, references = floor
    org.frontline1.first_name, org.frontline1.last_name = "Wang", "Fang"
    org.frontline1.save()
    sweep(T0 + 5 * MINUTE)  # the approvers are told of the request
    page = page_for(org.supervisor1, language=language)
    page.goto("/inbox/")

    notice = page.locator("main .cards li").filter(has_text=references["awaiting_approval"]).first
    expect(notice).to_contain_text("¥80.00")
    expect(notice).to_contain_text("Wang Fang")  # a name, not a username
    other = {"en": "待审批", "zh-hans": "Approval needed"}[language]
    own = {"en": "Approval needed", "zh-hans": "待审批"}[language]
    expect(notice).to_contain_text(own)
    expect(notice).not_to_contain_text(other)
    expect(notice).not_to_contain_text("frontline1")
    expect(notice).not_to_contain_text(re.compile(r"[^.]\.\.(?!\.)"))  # "by 12:10 p.m.", not "p.m.."

    approval = Complaint.objects.get(reference=references["awaiting_approval"]).approval_requests.get()
    api(org.supervisor1).post(f"/api/v1/approvals/{approval.pk}/approve/", {"note": "OK"})
    page.reload()

    decided = {"en": "Decided: approved by", "zh-hans": "已批准"}[language]
    expect(notice.locator(".outcome")).to_contain_text(decided)
    screenshot(page, f"inbox-notice-decided-{short(language)}-portrait")


# --- 11. Times people read are the store's ----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pin_lockout_says_the_stores_time_and_names_its_zone(page_for, page_guards, floor, tap, language):
    org, references = floor
    page_guards.expect_console_error("status of 403")
    complaint = Complaint.objects.get(reference=references["awaiting_approval"])
    page = page_for(org.frontline1, language=language)
    page.goto(f"/complaints/{complaint.pk}/")
    alert = page.locator("form.in-person [role=alert]")
    said = ""
    for _attempt in range(5):  # each answer says how many tries are left, the fifth that it is locked
        tap(page.locator("form.in-person input[name=approver]").first)
        page.locator("form.in-person input[name=pin]").fill("9999")
        tap(page.locator("form.in-person").get_by_role("button", name=APPROVE[language], exact=True))
        expect(alert).not_to_have_text(said or "-")
        expect(alert).to_be_visible()
        said = alert.inner_text()

    expect(alert).to_contain_text(re.compile(r"12:1\d"))  # noon in Shanghai + 15 minutes, not 04:1x UTC
    expect(alert).to_contain_text("Asia/Shanghai")
    expect(alert).not_to_contain_text("UTC")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_admins_complaint_list_shows_the_stores_time(page_for, floor, language):
    org, references = floor
    page = page_for(org.admin, language=language, viewport=(1024, 768))
    page.goto("/admin/complaints/complaint/")

    row = page.locator("#result_list tr").filter(has_text=references["new"])
    expect(row).to_contain_text({"en": "noon", "zh-hans": "12:00"}[language])  # logged at noon in Shanghai


# --- 17. The board finds a complaint by the customer's phone ------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_board_finds_a_complaint_by_the_customers_phone(page_for, floor, api, tap, language):
    org, _references = floor
    with time_machine.travel(T0, tick=True):
        other = api(org.frontline1).log(customer={"name": "Mr. Li", "phone": "139 0000 1111"}).json()["reference"]
    page = page_for(org.supervisor1, language=language)
    page.goto("/board/")

    tap(page.locator("#id_customer_phone"))
    page.locator("#id_customer_phone").fill("13900001111")
    tap(page.locator("form.filters button"))

    expect(page.locator("#board .ref")).to_have_text([other])


# --- 18. Hold with a quick choice; collapsed cards that look like what they are ---------------------------------

HOLD_SUMMARY = {"en": "Put on hold (waiting for the customer)", "zh-hans": "暂停（等待顾客）"}
IN_ONE_HOUR = {"en": "In 1 hour", "zh-hans": "1 小时后"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hold_takes_a_quick_choice_of_when_to_resume(page_for, floor, api, tap, language):
    org, references = floor
    complaint = Complaint.objects.get(reference=references["new"])
    page = page_for(org.frontline1, language=language)
    page.goto(f"/complaints/{complaint.pk}/")

    tap(page.get_by_text(HOLD_SUMMARY[language], exact=True))
    tap(page.get_by_role("button", name=IN_ONE_HOUR[language]))
    expect(page.locator("#id_until")).to_have_value(re.compile(r"^2026-11-23T13:0\d$"))  # noon in Shanghai + 1 h
    tap(page.locator("#id_reason"))  # a finger moves on: the choice's tap highlight has faded when pictured
    page.locator("#id_reason").fill("等顾客找到小票")
    if language == "zh-hans":
        page.evaluate("document.activeElement && document.activeElement.blur()")
        screenshot(page, "hold-quick-choices-zh-portrait", full_page=True)
    tap(page.locator("form[action$='/hold/'] > button.secondary"))

    expect(page.locator(".status-line")).to_contain_text({"en": "1 p.m.", "zh-hans": "13:0"}[language])
    complaint.refresh_from_db()
    assert complaint.on_hold_until is not None
