"""Email: the outbox's ``email`` channel.

A row holds whom it goes to and which record it is about (``payload``), not its text: the text is made when it
is sent, by the renderer registered for its kind (``register_email_kind``) by the app that writes such rows, in
the recipient's language as it is then. Its ``Message-ID`` is fixed by the record, so a copy sent again (a worker
killed between the server's "accepted" and the commit) carries the same one and mail clients can tell.
"""

import email.policy
import smtplib
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db.models import CharField, Expression, Value
from django.db.models.functions import Cast, Concat

from outbox.models import Channel, OutboxMessage
from outbox.sending import SendFailed, Sent, register_sender

PROVIDER = "smtp"

EmailRender = Callable[..., EmailMessage]
_renderers: dict[str, EmailRender] = {}


class PlainEmail(EmailMessage):
    """A plain text email whose body is UTF-8 as it is (8bit), readable in the console and any mail client.

    Django would pick base64 for a mostly Chinese body.
    """

    def message(self, *, policy=email.policy.default):
        message = super().message(policy=policy)
        message.set_content(self.body, charset="utf-8", cte="8bit")
        return message


def register_email_kind(kind: str, render: EmailRender) -> None:
    """``render(message, now=…)`` makes the email of outbox rows of ``kind`` when they are sent; it raises
    ``SendFailed(…, retry=False)`` when the email is no longer to be sent (the survey answered meanwhile)."""
    _renderers[kind] = render


def email_key(kind: str, pk) -> str:
    """The outbox key of the email of ``kind`` about the record ``pk``: one email a record."""
    return f"email:{kind}:{pk}"


def email_key_of_row(kind: str, pk: Expression) -> Concat:
    """``email_key`` as SQL, of the record ``pk`` names (an ``OuterRef``: the email's row read with its record's)."""
    return Concat(Value(email_key(kind, "")), Cast(pk, CharField()))


def message_id(kind: str, pk: int, created_at: datetime) -> str:
    """The Message-ID of the email about one record: fixed by the record, whatever try sends it."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{kind}.{pk}.{int(created_at.timestamp())}@{domain}>"


def send_email(message: OutboxMessage, *, now: datetime) -> Sent:
    """The outbox's sender for ``email`` rows: one SMTP session a message (the row's transaction is its claim)."""
    if not message.destination:
        raise SendFailed("no_destination", "the address was erased", retry=False)
    render = _renderers.get(message.kind)
    if render is None:
        raise SendFailed("unknown_kind", f"no email for {message.kind}", retry=False)
    mail = render(message, now=now)
    mail.to = [message.destination]
    try:
        with mailers.default as connection:
            connection.send_messages([mail])
    except (smtplib.SMTPException, OSError) as exc:  # the server down, busy, refusing for now, or refusing for good
        raise SendFailed(type(exc).__name__, str(exc), provider=PROVIDER, retry=not _refused_for_good(exc)) from exc
    return Sent(provider=PROVIDER, provider_message_id=mail.extra_headers.get("Message-ID", ""))


def _refused_for_good(exc: Exception) -> bool:
    """SMTP's permanent refusals (5xx) would be refused again; a 4xx (greylisting, a full mailbox, a busy server)
    and a lost connection are tried again later."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def register() -> None:
    register_sender(Channel.EMAIL, send_email)
