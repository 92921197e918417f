from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages for people: the tablet UI over the same services and selectors as the API."""

    name = "web"
