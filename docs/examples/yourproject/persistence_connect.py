"""A second persistence receiver, connected by hand (docs/persistence.md)."""

# --8<-- [start:connect]
from powercrud_signals.receivers.persistence import PersistenceReceiver, connect, disconnect


def start_archive():
    archive = PersistenceReceiver(model="testapp.TaskNameOnly", progress_interval=5)
    return connect(archive, dispatch_uid="archive-dashboard")  # idempotent


def stop_archive():
    disconnect("archive-dashboard")  # writes what it still holds, then stops


# --8<-- [end:connect]
