"""complaints.photos: what one customer's photo may cost a web worker is bounded before it is decoded."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from complaints.photos import photo_reencode

ROOT = Path(__file__).resolve().parent.parent.parent

# Re-encodes the file named by argv[1] in a fresh process: its CPU time, and how far it raised the process's peak
# memory (ru_maxrss, KiB on Linux), which only what the decode allocates can move.
MEASURE = """
import json, os, resource, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from complaints.photos import photo_reencode
data = open(sys.argv[1], "rb").read()
upload = SimpleUploadedFile("photo", data)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cpu = time.process_time()
photo = photo_reencode(upload)
print(json.dumps({
    "cpu_seconds": time.process_time() - cpu,
    "peak_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
    "size": [photo.width, photo.height],
}))
"""


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def reencode_measured(tmp_path, data: bytes) -> dict:
    path = tmp_path / "photo"
    path.write_bytes(data)
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_49_megapixel_png_of_issue_26_is_refused_before_it_is_decoded():
    """Issue 26: a 190 KB, 49-megapixel PNG cost a worker ~5 s of CPU and 670 MB."""
    bomb = encoded(Image.new("L", (7000, 7000), 128), "PNG")
    assert len(bomb) < 200_000

    with pytest.raises(ValidationError) as refused:
        photo_reencode(SimpleUploadedFile("bomb.png", bomb))

    assert refused.value.code == "photo_too_many_pixels"


def test_a_48_megapixel_phone_jpeg_is_decoded_at_half_its_size_in_bounded_memory(tmp_path):
    # A JPEG so smooth that 48 megapixels fit in a megabyte: decoded whole, it took 1.2 s of CPU and raised the
    # process's peak by 550 MB; decoded at half its size (12 megapixels), 0.45 s and about 80 MB.
    photo = encoded(Image.linear_gradient("L").resize((8000, 6000)).convert("RGB"), "JPEG", quality=90)
    assert len(photo) < 2_000_000

    measured = reencode_measured(tmp_path, photo)

    assert measured["size"] == [2048, 1536]
    assert measured["peak_growth_mb"] < 200, measured


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
