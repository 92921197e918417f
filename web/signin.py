"""Pages for signed-in staff: what a page answers when the session has ended.

A GET goes to the sign-in page and back, as Django's ``login_required`` does; a part of a page that htmx asks for
(a list refreshing itself, a check while typing) takes the whole page there, so that a page left open on a tablet
does not go on showing customers after its session ended (core/sessions.py). A form sent after the
session ended (it expired, or someone signed out on the tablet) is not accepted: the answer is the
sign-in page with 401, not a redirect that ends in a 200, so that the browser keeps what was typed
(app.js forgets a draft only once the server accepted it), and signing in leads back to the form's
page, where the draft comes back.
"""

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and _page_part(request):
            return _whole_page_to_sign_in(request)
        if request.method in ("GET", "HEAD"):
            return redirect_to_login(request.get_full_path())
        return sign_in_again(request)

    return wrapper


def sign_in_again(request: HttpRequest) -> HttpResponse:
    """The sign-in page, for a form that arrived without a session; signing in leads back to the form's page."""
    back = _form_page(request)
    sign_in = resolve_url(settings.LOGIN_URL)
    response = render(
        request,
        "web/sign_in.html",
        {"form": AuthenticationForm(request), "next": back, "session_ended": True},
        status=401,
    )
    # The address bar shows the sign-in page (a reload asks for it again), not the form's POST address.
    response["HX-Push-Url"] = f"{sign_in}?{urlencode({'next': back})}"
    return response


def _page_part(request: HttpRequest) -> bool:
    # htmx asks for a part of the page; a boosted link asks for a whole page, which a redirect serves.
    return "HX-Request" in request.headers and "HX-Boosted" not in request.headers


def _whole_page_to_sign_in(request: HttpRequest) -> HttpResponse:
    """htmx's way to send the whole page (not the part it asked for) to the sign-in page, and back to it after."""
    page = request.headers.get("HX-Current-URL", "")
    if page and url_has_allowed_host_and_scheme(page, {request.get_host()}, request.is_secure()):
        parts = urlsplit(page)
        back = parts.path + (f"?{parts.query}" if parts.query else "")
    else:
        back = resolve_url(settings.LOGIN_REDIRECT_URL)
    response = HttpResponse()
    response["HX-Redirect"] = redirect_to_login(back)["Location"]
    return response


def _form_page(request: HttpRequest) -> str:
    """The page the form was sent from (the Referer, when it is this site's), else the home page."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return resolve_url(settings.LOGIN_REDIRECT_URL)
