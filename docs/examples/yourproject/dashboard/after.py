"""After: the same model, field map and formatter, as settings."""

from powercrud_signals.manager import SignalAsyncManager

# --8<-- [start:settings]
POWERCRUD_SETTINGS = {
    "ASYNC_ENABLED": True,
    "ASYNC_MANAGER_DEFAULT": {"manager_class": "powercrud_signals.manager.SignalAsyncManager"},
}

POWERCRUD_SIGNALS = {
    "PERSISTENCE": {
        "MODEL": "testapp.AsyncTaskRecord",  # was record_model_path
        "FIELD_MAP": {  # was field_map, unchanged
            "task_name": "task_name",
            "status": "status",
            "message": "message",
            "progress": "progress_payload",
            "user": "user_label",
            "affected": "affected_objects",
            "kwargs": "task_kwargs",
            "args": "task_args",
            "result": "result_payload",
            "cleaned": "cleaned_up",
            "completed_at": "completed_at",
            "failed_at": "failed_at",
        },
    },
    "FORMATTERS": {
        "user": "yourproject.dashboard.formatters.user_label",  # was format_user
    },
}
# --8<-- [end:settings]


# --8<-- [start:manager]
class AppAsyncManager(SignalAsyncManager):
    """Kept importable so that tasks queued before the switch, whose kwargs name this class,
    finish through the signal pipeline.  Delete it once they are done."""


# --8<-- [end:manager]
