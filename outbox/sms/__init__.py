"""Text messages to customers: the SMS channel of the outbox (placeholder until the providers land)."""

from outbox.sending import Sent, register_sender


def send_sms(message, *, now) -> Sent:
    print(f"SMS to {message.destination}: {message.kind} {message.payload}")
    return Sent(provider="console")


def register() -> None:
    register_sender("sms", send_sms)
