"""The dashboard's filter form: status, user, date range and a task-name search (all GET)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from powercrud_signals.models import TaskStatus


class TaskFilterForm(forms.Form):
    q = forms.CharField(label=_("Task name"), required=False, max_length=255)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *TaskStatus.choices],
    )
    # Validated as a number, offered as a list: the list costs a query over the whole table,
    # which only the full page needs (not each refresh of the table).
    user = forms.IntegerField(label=_("Launched by"), required=False, widget=forms.Select)
    since = forms.DateField(
        label=_("Queued from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Queued until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        *args: Any,
        user_filter: bool = False,
        users: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if not user_filter:
            # Users who see only their own tasks get no user filter at all.
            del self.fields["user"]
        else:
            self.fields["user"].widget.choices = [("", _("Anyone")), *(users or [])]  # type: ignore[attr-defined]

    def filter(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Apply every valid filter; invalid ones are ignored (the form shows their errors)."""
        if not self.is_bound:
            return queryset
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("q"):
            queryset = queryset.filter(task_name__icontains=data["q"].strip())
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("user") is not None:
            queryset = queryset.filter(user_id=data["user"])
        if data.get("since"):
            queryset = queryset.filter(created_at__date__gte=data["since"])
        if data.get("until"):
            queryset = queryset.filter(created_at__date__lte=data["until"])
        return queryset
