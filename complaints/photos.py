"""A customer's photo made safe to keep: decoded with Pillow, bounded, and re-encoded as a bare JPEG.

Nothing of the uploaded file is kept but its pixels: no EXIF (GPS, camera, time), no ICC profile, no
comments. What cannot be decoded as an image, or would decode to too many pixels (a decompression
bomb, or just a picture too large to decode in a web request's time), is refused with a message for the customer.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# What phones send; anything else (SVG, PDF, TIFF…) is refused rather than trusted to a rarer decoder.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Modes resized as they are (with LANCZOS); others (palettes, 1-bit, 16-bit) are made RGB first.
RESAMPLED_MODES = {"L", "LA", "RGB", "RGBA"}
# A JPEG decodes at 1/1, 1/2, 1/4 or 1/8 of its size.
JPEG_MOST_REDUCED = 8


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int


def photo_reencode(upload) -> CleanPhoto:
    """``upload`` (a file object) as a JPEG of at most ``PUBLIC_FORM_PHOTO_MAX_SIDE`` pixels a side,
    without metadata. Raises ValidationError for a file too large, not an image, or a decompression bomb.

    What it may cost is bounded before anything is decoded: at most ``PUBLIC_FORM_PHOTO_MAX_PIXELS`` pixels are
    decoded. A JPEG larger than the stored copy needs is decoded at a half, a quarter or an eighth of its size
    (its format allows it, for next to nothing), and further reduced to fit; an image of another format over the
    ceiling is refused. The rest works on the reduced image: turned upright and converted once it is small.
    """
    if upload.size > settings.PUBLIC_FORM_PHOTO_MAX_BYTES:
        raise ValidationError(photo_too_large_message(), code="photo_too_large")
    side = settings.PUBLIC_FORM_PHOTO_MAX_SIDE
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; any such image is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise ValidationError(_not_an_image_message(), code="not_an_image")
                if image.format == "JPEG":
                    image.draft("RGB", _jpeg_reduced_size(image.size, side))
                if image.width * image.height > settings.PUBLIC_FORM_PHOTO_MAX_PIXELS:
                    raise ValidationError(_too_many_pixels_message(), code="photo_too_many_pixels")
                image.seek(0)  # an animation's first frame
                # Read now: the orientation tag goes with the rest of the metadata, but the camera's way up stays.
                orientation = image.getexif().get(ExifTags.Base.Orientation)
                resampled = image.convert("RGB") if image.mode not in RESAMPLED_MODES else image
                resampled.thumbnail((side, side), Image.Resampling.LANCZOS)
                if orientation:
                    resampled.getexif()[ExifTags.Base.Orientation] = orientation
                    resampled = ImageOps.exif_transpose(resampled)
                small = resampled.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_too_many_pixels_message(), code="photo_too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationError(_not_an_image_message(), code="not_an_image") from exc
    # A fresh image holds the pixels only: no info dictionary to carry EXIF, XMP or ICC data along.
    bare = Image.new("RGB", small.size)
    bare.paste(small)
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(jpeg=out.getvalue(), width=bare.width, height=bare.height)


def _jpeg_reduced_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size to decode a JPEG of ``size`` at (its DCT scales: 1, 1/2, 1/4, 1/8): the most reduced that still has
    ``side`` pixels on its longest side, reduced further while it would decode more than the ceiling's pixels."""
    width, height = size
    scale = 1
    while scale < JPEG_MOST_REDUCED and max(width, height) // (scale * 2) >= side:
        scale *= 2
    while scale < JPEG_MOST_REDUCED and (width // scale) * (height // scale) > settings.PUBLIC_FORM_PHOTO_MAX_PIXELS:
        scale *= 2
    return max(1, width // scale), max(1, height // scale)


def photo_too_large_message() -> str:
    return _("The photo is too large: send one of at most %(size)s.") % {
        "size": filesizeformat(settings.PUBLIC_FORM_PHOTO_MAX_BYTES)
    }


def _not_an_image_message() -> str:
    return _("That file is not a photo we can read: send a JPEG, PNG, WebP or GIF picture.")


def _too_many_pixels_message() -> str:
    return _("That picture has too many pixels: send an ordinary photo.")
