"""A store's printable QR code: the absolute link of its public complaint form, as PNG or SVG (segno)."""

import io

import segno
from django.conf import settings
from django.urls import reverse

from staff.models import Store

QR_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def public_form_url(store: Store) -> str:
    """Where the store's QR code leads: ``SITE_URL`` and the form's path with the store's token."""
    return settings.SITE_URL + reverse("web:public-form", kwargs={"token": store.public_token})


def public_form_qr(store: Store, fmt: str) -> bytes:
    """The QR code of the store's form link in ``fmt`` (``png`` or ``svg``): error correction M (survives a
    smudge or a fold), large enough to print on a table card."""
    url = public_form_url(store)
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    if fmt == "png":
        code.save(out, kind="png", scale=12, border=4)
    elif fmt == "svg":
        code.save(out, kind="svg", scale=12, border=4, xmldecl=True, svgns=True, title=store.name, desc=url)
    else:
        raise ValueError(f"QR format {fmt!r} is not one of {sorted(QR_FORMATS)}")
    return out.getvalue()
