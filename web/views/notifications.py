"""The inbox: reminders, escalations and decisions addressed to me."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from recovery.notices import notifications, reading
from recovery.notices import selectors as notice_selectors
from web.signin import signed_in

INBOX_SIZE = 50


@signed_in
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    latest = notice_selectors.notifications_of(request.user).select_related(*reading.NOTICE_JOINS)[:INBOX_SIZE]
    return render(request, "web/inbox.html", {"notices": reading.notices(list(latest))})


@signed_in
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    notifications.notifications_mark_read(user=request.user)
    return redirect("web:inbox")
