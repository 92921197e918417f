"""Django admin in Chinese (issue 25, item 13): every changelist, add and change form of every model, read in
zh-Hans, has no English word left from our apps: models, fields, choices, filters, actions, help texts and the
admin's own words. Django translates its own strings; the data shown (names, codes, usernames) is data."""

import json
import re
from datetime import date, time
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from complaints.models import Customer, CustomerTierChange, TierChangeSource
from outbox.models import OutboxMessage
from staff.models import OpeningHours, StoreHoliday
from tests.helpers import T0

ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
LINK = re.compile(r"https?://\S+")
# A secret shown masked (a password's salt and hash: their first characters, then asterisks) is random, not words.
MASKED = re.compile(r"\S*\*{4,}")
# Words that are the same in a Chinese admin: names of things (abbreviations, formats, standards, HTTP's words).
SAME_IN_CHINESE = {"PIN", "SLA", "PNG", "SVG", "API", "CSV", "URL", "UTC", "JSON", "SERVQUAL", "Asia", "Shanghai"}
SAME_IN_CHINESE |= {"HTTP", "GET", "POST", "Accept"}
SAME_IN_CHINESE |= {"Webhook", "SEC"}  # the platforms' own words (DingTalk's signing secrets begin with SEC)
# Not ours: Django's own English in its Chinese admin (an icon's alt text, the actions' blank choice, the date
# drill-down's label, a yes/no icon's alt text, key names in its own Chinese), and django-axes' English that it gives
# no way to translate (a column named after its method, its records' names).
NOT_OURS = {
    *("Search", "Select", "option", "Filter", "True", "False", "Control", "Command", "Mac", "LDAP"),
    *("Status", "Attempted", "Access"),
}
# Attributes whose text a person reads (a tooltip, a placeholder, a button's label, a picture's description).
READ_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}


class ReadText(HTMLParser):
    """What a person reads on a page: its text and read attributes, not scripts, styles or hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        attributes = dict(attrs)
        self.words += [value for name, value in attrs if name in READ_ATTRIBUTES and value]
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.words.append(attributes["value"])

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_data(self, data) -> None:
        if not self._skipping:
            self.words.append(data)


def english_words(html: str) -> set[str]:
    reader = ReadText()
    reader.feed(html)
    return set(ENGLISH_WORD.findall(MASKED.sub("", LINK.sub("", " ".join(reader.words)))))


def data_words() -> set[str]:
    """Every word of the data the test database holds (it is shown as it is, in any language)."""
    words = set()
    for model in apps.get_models():
        texts = [f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        blobs = [f.name for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        for row in model._default_manager.values_list(*texts, *blobs) if texts or blobs else []:
            words |= set(ENGLISH_WORD.findall(" ".join(json.dumps(value) for value in row)))
    return words


@pytest.fixture
def every_kind_of_record(day_of_complaints, api, sla):
    """At least one row of every model the admin shows (the day's complaints hold most of them)."""
    org = day_of_complaints
    OpeningHours.objects.create(store=org.s1, weekday=0, opens=time(10), closes=time(22))
    StoreHoliday.objects.create(store=org.s1, date=date(2026, 10, 1), name="国庆节")
    customer = Customer.objects.exclude(phone="").first()
    CustomerTierChange.objects.create(
        customer=customer, tier_after=None, source=TierChangeSource.STAFF, reason="核对", actor=org.admin, at=T0
    )
    AccessAttempt.objects.create(
        username="frontline1", ip_address="127.0.0.1", user_agent="Chromium", failures_since_start=1
    )
    api(org.frontline1)  # a token
    return org


def admin_pages(user) -> list[str]:
    """The admin's index, each app's page, and each model's changelist, add form and change form (of its first row;
    for a channel's deliveries, a proxy of the outbox's rows, the first its admin lists to ``user``)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse("admin:app_list", args=[model._meta.app_label]))
        pages.append(reverse(f"{name}_changelist"))
        pages.append(reverse(f"{name}_add"))
        rows = model_admin.get_queryset(request) if issubclass(model, OutboxMessage) else model._default_manager
        first = rows.order_by("pk").first()
        if first is not None:
            pages.append(reverse(f"{name}_change", args=[first.pk]))
    return list(dict.fromkeys(pages))


def test_every_admin_page_reads_in_chinese(every_kind_of_record):
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(every_kind_of_record.admin)
    # Each language's own name is the same in every language (the language choice: English, 简体中文).
    languages = {word for _code, name in settings.LANGUAGES for word in ENGLISH_WORD.findall(name)}
    allowed = data_words() | SAME_IN_CHINESE | NOT_OURS | languages

    left: dict[str, list[str]] = {}
    for page in admin_pages(every_kind_of_record.admin):
        response = client.get(page)
        assert response.status_code in (200, 403), (page, response.status_code)  # 403: a read-only record's add
        if response.status_code == 200:
            english = sorted(english_words(response.content.decode()) - allowed)
            if english:
                left[page] = english

    assert not left, "English left in the Chinese admin:\n" + "\n".join(
        f"{page}: {' '.join(words)}" for page, words in left.items()
    )
    # The same check finds the English of an English reader's admin (it can see what it looks for).
    english = Client(headers={"Accept-Language": "en"})
    english.force_login(every_kind_of_record.admin)
    assert {"Regenerate", "printed"} <= english_words(
        english.get(reverse("admin:staff_store_changelist")).content.decode()
    )
