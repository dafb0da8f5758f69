from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=200)
    pages = models.PositiveIntegerField(default=100)
    in_print = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.title


class AsyncTaskRecord(models.Model):
    """Shaped like PowerCRUD's sample dashboard model for ``ModelTrackingAsyncManager``:
    its default column names, text columns that are NOT NULL, a text result column."""

    task_name = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=20, default="pending")
    message = models.TextField(blank=True)
    progress_payload = models.TextField(blank=True)
    user_label = models.CharField(max_length=64, blank=True)
    affected_objects = models.TextField(blank=True)
    task_kwargs = models.JSONField(null=True, blank=True)
    task_args = models.JSONField(null=True, blank=True)
    result_payload = models.TextField(blank=True)
    cleaned_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.task_name


class TaskNameOnly(models.Model):
    """The smallest dashboard model the persistence receiver accepts."""

    task_name = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.task_name
