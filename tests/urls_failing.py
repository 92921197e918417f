"""The product's URLs and one API route that fails inside: what a server error looks like to a client."""

from django.urls import path

from config.urls import handler400, handler404, handler500
from config.urls import urlpatterns as product_urls


def _fails(request):
    raise RuntimeError("a bug, as any unhandled error")


urlpatterns = [path("api/v1/fails/", _fails), path("fails/", _fails), *product_urls]
__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
