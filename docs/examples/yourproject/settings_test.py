"""Test-run settings: persistence off, receiver errors raised (docs/quickstart.md)."""

from yourproject import settings as base

# --8<-- [start:test_settings]
POWERCRUD_SIGNALS = {
    **base.POWERCRUD_SIGNALS,
    # No dashboard rows are written; every other receiver still runs.
    "PERSISTENCE": {"ENABLED": False},
    # With the pytest plugin, a receiver that raises fails the test that triggered it.
    "RAISE_RECEIVER_ERRORS": True,
}
# --8<-- [end:test_settings]
