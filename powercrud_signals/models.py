"""The dashboard model: one row per async task.

Column names follow PowerCRUD's ``ModelTrackingAsyncManager`` defaults (``progress_payload``,
``user_label``, ``affected_objects``, ``result_payload``, ``cleaned_up``, ...), so a field map
written for PowerCRUD's sample ``AsyncTaskRecord`` means the same thing here.  Nothing in this
module reads settings.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from powercrud_signals.events import Status


class TaskStatus(models.TextChoices):
    PENDING = Status.PENDING.value, _("Queued")
    IN_PROGRESS = Status.IN_PROGRESS.value, _("Running")
    SUCCESS = Status.SUCCESS.value, _("Succeeded")
    FAILED = Status.FAILED.value, _("Failed")


class AbstractTaskRecord(models.Model):
    """Fields of a dashboard row; subclass it to add columns of your own."""

    task_name = models.CharField(_("task name"), max_length=255, unique=True)
    # NULL, not "", is "no status known yet": the status guard compares against it.
    status = models.CharField(  # noqa: DJ001
        _("status"), max_length=16, choices=TaskStatus.choices, null=True, blank=True
    )
    message = models.TextField(_("message"), blank=True, default="")
    progress_payload = models.TextField(_("progress"), blank=True, default="")
    progress_current = models.BigIntegerField(_("progress current"), null=True, blank=True)
    progress_total = models.BigIntegerField(_("progress total"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,  # a dashboard row must never block deleting a user
    )
    user_label = models.CharField(_("launched by"), max_length=255, blank=True, default="")
    affected_objects = models.TextField(_("affected"), blank=True, default="")
    task_args = models.JSONField(_("arguments"), null=True, blank=True)
    task_kwargs = models.JSONField(_("keyword arguments"), null=True, blank=True)
    result_payload = models.JSONField(_("result"), null=True, blank=True)
    q2_task_id = models.CharField(_("django-q2 id"), max_length=64, blank=True, default="")
    attempt = models.PositiveIntegerField(_("attempt"), null=True, blank=True)
    manager = models.CharField(_("manager"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    cleaned_at = models.DateTimeField(_("cleaned up at"), null=True, blank=True)
    cleaned_up = models.BooleanField(_("cleaned up"), default=False)

    class Meta:
        abstract = True
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.task_name} ({self.status or 'unknown'})"

    @property
    def finished_at(self):  # type: ignore[no-untyped-def]
        return self.completed_at or self.failed_at

    @property
    def percent(self) -> int | None:
        """Progress as a whole percentage, when the progress text held ``i/N``."""
        if self.progress_total and self.progress_current is not None:
            return max(0, min(100, round(100 * self.progress_current / self.progress_total)))
        return None


class TaskRecord(AbstractTaskRecord):
    """The bundled dashboard model (``POWERCRUD_SIGNALS["PERSISTENCE"]["MODEL"]`` default)."""

    class Meta(AbstractTaskRecord.Meta):
        verbose_name = _("async task")
        verbose_name_plural = _("async tasks")
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="pcs_task_status_updated"),
            models.Index(fields=["-updated_at"], name="pcs_task_updated"),
            models.Index(fields=["-created_at"], name="pcs_task_created"),
            models.Index(fields=["user", "-created_at"], name="pcs_task_user_created"),
        ]
        permissions = [("view_all_taskrecords", "Can view every user's async tasks")]
