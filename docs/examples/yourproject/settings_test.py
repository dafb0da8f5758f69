"""Test-run settings: persistence off, receiver errors raised (docs/quickstart.md)."""

from yourproject import settings as base

# --8<-- [start:test_settings]
POWERCRUD_SIGNALS = {
    **base.POWERCRUD_SIGNALS,
    # No dashboard rows are written; every other receiver still runs.
    "PERSISTENCE": {"ENABLED": False},
    # A receiver that raises is reported as ReceiverError, not only logged.
    "RAISE_RECEIVER_ERRORS": True,
}
# --8<-- [end:test_settings]
