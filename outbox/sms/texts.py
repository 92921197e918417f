"""What a text message says: its template (admin-edited, per kind and language), filled in, and the providers'
rules it must keep (variables only from the kind's list; at most ``SMS_MAX_SEGMENTS`` segments).

A segment is 70 characters when the message holds any Chinese (UCS-2), 160 otherwise; a longer message is sent in
parts of 67 (or 153), billed each. The sign name (【…】) counts. A link is counted at its real length.
"""

import math
import string
import time
from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from outbox.models import SMS_KIND_PARAMS, MessageTemplate

# The seed texts (the migration writes them; the admin edits them).
DEFAULT_TEXTS = {
    ("complaint_logged", "zh-hans"): "您的意见我们已收到，编号{reference}。处理进度请看：{link}",
    ("complaint_logged", "en"): "We have your complaint, reference {reference}. See its progress: {link}",
    ("survey_invitation", "zh-hans"): "您的投诉{reference}已处理，请用一分钟告诉我们是否满意：{link}",
    (
        "survey_invitation",
        "en",
    ): "Your complaint {reference} was handled. Was it put right? Tell us in a minute: {link}",
    ("reopened_outcome", "zh-hans"): "您的投诉{reference}已重新处理，处理结果请看：{link}",
    ("reopened_outcome", "en"): "We looked at your complaint {reference} again. See what we did: {link}",
}


# A link as long as the ones texts carry, made by the app that writes them (complaints: a new status link on this
# site), to measure templates by.
_sample_link: Callable[[], str] | None = None


def sample_link_register(make: Callable[[], str]) -> None:
    global _sample_link
    _sample_link = make


def sample_params() -> dict[str, str]:
    """Values as long as real ones, to measure a template by: a reference (store code, day, number) and a link."""
    if _sample_link is None:
        raise RuntimeError("no app registered the links text messages carry (sample_link_register)")
    return {"reference": "S0001-20261207-0001", "link": _sample_link()}


def segments(text: str) -> int:
    """How many parts the providers send ``text`` in."""
    wide = any(ord(ch) > 0x7F for ch in text)
    single, part = (70, 67) if wide else (160, 153)
    return 1 if len(text) <= single else math.ceil(len(text) / part)


def template_variables(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def template_problems(kind: str, text: str) -> list[str]:
    """Why ``text`` cannot be the template of ``kind`` (empty when it can)."""
    allowed = set(SMS_KIND_PARAMS.get(kind, ()))
    try:
        used = template_variables(text)
    except ValueError:
        return [_("Write variables in braces, e.g. {reference}; a lone brace is not allowed.")]
    problems = []
    if unknown := used - allowed:
        problems.append(
            _("Unknown variables: %(unknown)s. Use only %(allowed)s.")
            % {"unknown": ", ".join(sorted(unknown)), "allowed": ", ".join(sorted(allowed))}
        )
    if missing := allowed - used:
        problems.append(_("The text must contain %(missing)s.") % {"missing": ", ".join(sorted(missing))})
    if not problems:
        signed = f"【{settings.SMS_SIGN_NAME}】" + text.format(**sample_params())
        if (parts := segments(signed)) > settings.SMS_MAX_SEGMENTS:
            problems.append(
                _(
                    "With the sign name and a real link this is %(length)s characters, %(parts)s messages; "
                    "keep it to %(most)s."
                )
                % {"length": len(signed), "parts": parts, "most": settings.SMS_MAX_SEGMENTS}
            )
    return problems


# Templates, read at most this often by each worker process (an admin's edit is used within a minute).
_TEMPLATE_CACHE_SECONDS = 60
_templates: dict[tuple[str, str], tuple[float, str]] = {}


def template_text(kind: str, language: str) -> str:
    """The admin's text for ``kind`` in ``language`` (the seed text when the row was deleted)."""
    cached = _templates.get((kind, language))
    if cached is None or time.monotonic() - cached[0] > _TEMPLATE_CACHE_SECONDS:
        text = MessageTemplate.objects.filter(kind=kind, language=language).values_list("text", flat=True).first()
        text = text or DEFAULT_TEXTS[(kind, language if (kind, language) in DEFAULT_TEXTS else "zh-hans")]
        cached = _templates[(kind, language)] = (time.monotonic(), text)
    return cached[1]


def templates_forget() -> None:
    """Read the templates again at the next message (a test that edits one)."""
    _templates.clear()


def sms_text(kind: str, language: str, params: dict[str, str]) -> str:
    """The message as the customer reads it (without the sign name, which the provider adds)."""
    return template_text(kind, language).format(**{name: params.get(name, "") for name in SMS_KIND_PARAMS[kind]})
