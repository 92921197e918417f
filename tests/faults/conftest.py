"""The fault tests wait on a real worker's tasks as the scheduling tests do."""

from tests.recovery.conftest import finished  # noqa: F401  the fixture, shared
