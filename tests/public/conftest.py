"""The public form's tests each start with no submissions counted and photos kept in a temporary folder."""

import pytest


@pytest.fixture(autouse=True)
def _clean_slate(rate_limit_redis, public_form_media) -> None:
    """Nothing counted yet in Redis; photos in a temporary folder."""
