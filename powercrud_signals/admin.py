"""Read-only Django admin for the bundled dashboard model, with the dashboard's filters."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from powercrud_signals.models import TaskRecord


@admin.register(TaskRecord)
class TaskRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "task_name",
        "status",
        "progress_payload",
        "user_label",
        "affected_objects",
        "created_at",
        "started_at",
        "completed_at",
        "failed_at",
    )
    list_filter = ("status", "user", ("created_at", admin.DateFieldListFilter))
    search_fields = ("task_name",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_select_related = False
    show_full_result_count = False  # counting a large table on every page load is wasted work

    # Rows are written only by the persistence receiver; the admin looks, never touches.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
