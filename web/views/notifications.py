"""The inbox: reminders, escalations and decisions addressed to me."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from recovery import selectors
from recovery.services import notifications

INBOX_SIZE = 50


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "web/inbox.html", {"notifications": selectors.notifications_of(request.user)[:INBOX_SIZE]})


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    notifications.notifications_mark_read(user=request.user)
    return redirect("web:inbox")
