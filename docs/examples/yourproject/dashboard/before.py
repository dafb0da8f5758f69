"""Before: PowerCRUD's ModelTrackingAsyncManager, configured by subclassing."""

# --8<-- [start:manager]
from powercrud.async_dashboard import ModelTrackingAsyncManager

from yourproject.dashboard.formatters import user_label

FIELD_MAP = {
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
}


class AppAsyncManager(ModelTrackingAsyncManager):
    record_model_path = "testapp.AsyncTaskRecord"
    field_map = FIELD_MAP

    def format_user(self, user):
        return user_label(user)


# --8<-- [end:manager]

# --8<-- [start:settings]
POWERCRUD_SETTINGS = {
    "ASYNC_ENABLED": True,
    "ASYNC_MANAGER_DEFAULT": {"manager_class": "yourproject.dashboard.before.AppAsyncManager"},
}
# --8<-- [end:settings]
