"""Step 3: no side effect left in the manager."""

# --8<-- [start:manager]
from powercrud_signals.manager import SignalAsyncManager


class AuditedAsyncManager(SignalAsyncManager):
    """Kept importable only so that tasks queued before the switch, whose kwargs name
    this class, still resolve a signal-emitting manager.  Delete it once they are done."""


# --8<-- [end:manager]
