"""What the fault tests share: an SMTP server that counts, and waiting on a real worker's tasks."""

import pytest

from tests.faults.common import CountingSmtp
from tests.recovery.conftest import finished  # noqa: F401  the fixture, shared


@pytest.fixture
def smtp() -> CountingSmtp:
    """A real SMTP server on loopback (aiosmtpd) that counts each message it accepts; stopped after the test."""
    server = CountingSmtp()
    server.controller.start()
    yield server
    server.controller.stop()
