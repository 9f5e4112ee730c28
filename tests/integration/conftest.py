"""Fixtures shared by the integration tests (the peers themselves live in tests/peers/)."""

from tests.integration._claims_helpers import _recording_server, recorded  # noqa: F401
