"""Headers for what a shared tablet keeps and what a page may do: nothing answered to a signed-in person is stored
by the browser or a proxy, and no page may use the camera, the microphone or the like (the Content-Security-Policy
is Django's, ``SECURE_CSP`` in settings)."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# Powerful features no page of ours uses, turned off for them and anything they might embed. (A file input's
# camera on a phone is the phone's own app, which this does not govern; copying a link stays allowed.)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


class PrivateAnswersMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in request (pages, the API, its CSV exports): the
    next person on a shared tablet must not find a customer's phone in the back button or the browser's cache.
    ``Permissions-Policy`` on every answer. After authentication: the API's token sign-in is known only once the
    view ran (DRF sets the request's user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
