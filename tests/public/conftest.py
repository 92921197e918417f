"""The public form's fixtures: a clean slate of rate-limit counters in the real Redis, photos in a temporary folder."""

import io

import pytest
import redis
from django.conf import settings
from PIL import ExifTags, Image


@pytest.fixture(autouse=True)
def rate_limit_redis():
    """Every test starts with no submissions counted (only the rate-limit keys: Celery shares this Redis)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match="ratelimit:*"))
    if keys:
        client.delete(*keys)
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg_with_gps(size: tuple[int, int] = (3000, 2000)) -> bytes:
    """A phone photo as a phone sends it: camera make and model, and where it was taken (GPS)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 9"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()
