"""A customer's photo made safe to keep: decoded with Pillow, bounded, and re-encoded as a bare JPEG.

Nothing of the uploaded file is kept but its pixels: no EXIF (GPS, camera, time), no ICC profile, no
comments. What cannot be decoded as an image, or would decode to too many pixels (a decompression
bomb), is refused with a message for the customer.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# What phones send; anything else (SVG, PDF, TIFF…) is refused rather than trusted to a rarer decoder.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int


def photo_reencode(upload) -> CleanPhoto:
    """``upload`` (a file object) as a JPEG of at most ``PUBLIC_FORM_PHOTO_MAX_SIDE`` pixels a side,
    without metadata. Raises ValidationError for a file too large, not an image, or a decompression bomb."""
    if upload.size > settings.PUBLIC_FORM_PHOTO_MAX_BYTES:
        raise ValidationError(photo_too_large_message(), code="photo_too_large")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; any such image is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise ValidationError(_not_an_image_message(), code="not_an_image")
                if image.width * image.height > settings.PUBLIC_FORM_PHOTO_MAX_PIXELS:
                    raise ValidationError(_too_many_pixels_message(), code="photo_too_many_pixels")
                image.seek(0)  # an animation's first frame
                # Turned the way the camera held it, since the orientation tag goes with the rest.
                upright = ImageOps.exif_transpose(image).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_too_many_pixels_message(), code="photo_too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationError(_not_an_image_message(), code="not_an_image") from exc
    side = settings.PUBLIC_FORM_PHOTO_MAX_SIDE
    upright.thumbnail((side, side), Image.Resampling.LANCZOS)
    # A fresh image holds the pixels only: no info dictionary to carry EXIF, XMP or ICC data along.
    bare = Image.new("RGB", upright.size)
    bare.paste(upright)
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(jpeg=out.getvalue(), width=bare.width, height=bare.height)


def photo_too_large_message() -> str:
    return _("The photo is too large: send one of at most %(size)s.") % {
        "size": filesizeformat(settings.PUBLIC_FORM_PHOTO_MAX_BYTES)
    }


def _not_an_image_message() -> str:
    return _("That file is not a photo we can read: send a JPEG, PNG, WebP or GIF picture.")


def _too_many_pixels_message() -> str:
    return _("That picture has too many pixels: send an ordinary photo.")
