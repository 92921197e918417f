"""complaints.photos: what one customer's photo may cost a web worker is bounded before it is decoded."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from complaints.photos import photo_reencode

MB = 1024 * 1024


def pillow_allocated_bytes() -> int:
    """What Pillow's image memory allocated since ``Image.core.reset_stats()``: its blocks, counted by Pillow itself
    (the numbers its own tests read), so the same on a busy machine as on an idle one."""
    return Image.core.get_stats()["allocated_blocks"] * Image.core.get_block_size()


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def test_the_49_megapixel_png_of_issue_26_is_refused_before_it_is_decoded():
    """Issue 26: a 190 KB, 49-megapixel PNG cost a worker ~5 s of CPU and 670 MB."""
    bomb = encoded(Image.new("L", (7000, 7000), 128), "PNG")
    assert len(bomb) < 200_000
    Image.core.reset_stats()

    with pytest.raises(ValidationError) as refused:
        photo_reencode(SimpleUploadedFile("bomb.png", bomb))

    assert refused.value.code == "photo_too_many_pixels"
    assert pillow_allocated_bytes() == 0  # not one pixel decoded


def test_a_48_megapixel_phone_jpeg_is_decoded_at_half_its_size():
    # A JPEG so smooth that 48 megapixels fit in a megabyte. Decoded whole, Pillow allocated 656 MB for it (1.2 s of
    # CPU); decoded at half its size, 12 megapixels, 128 MB (0.45 s).
    photo = encoded(Image.linear_gradient("L").resize((8000, 6000)).convert("RGB"), "JPEG", quality=90)
    assert len(photo) < 2_000_000
    Image.core.reset_stats()

    kept = photo_reencode(SimpleUploadedFile("photo.jpg", photo))

    assert (kept.width, kept.height) == (2048, 1536)
    assert pillow_allocated_bytes() <= 200 * MB


def test_a_jpeg_too_large_even_at_an_eighth_is_refused_before_it_is_decoded(settings):
    settings.PUBLIC_FORM_PHOTO_MAX_PIXELS = 100_000  # 1/8 of 4000 × 3000 is 500 × 375: still more
    photo = encoded(Image.new("RGB", (4000, 3000), (120, 60, 30)), "JPEG")

    with pytest.raises(ValidationError) as refused:
        photo_reencode(SimpleUploadedFile("photo.jpg", photo))

    assert refused.value.code == "photo_too_many_pixels"


def test_a_photo_taken_sideways_is_kept_the_way_the_camera_was_held():
    sideways = Image.new("RGB", (300, 200), (200, 30, 30))
    sideways.paste((30, 30, 200), (0, 0, 150, 200))  # the left half blue
    exif = sideways.getexif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was turned: show it rotated 90° clockwise

    kept = photo_reencode(SimpleUploadedFile("photo.jpg", encoded(sideways, "JPEG", exif=exif, quality=95)))

    stored = Image.open(io.BytesIO(kept.jpeg))
    assert stored.size == (200, 300)
    blue_at_top = stored.getpixel((100, 20))
    assert blue_at_top[2] > 150
    assert blue_at_top[0] < 100
    assert dict(stored.getexif()) == {}
