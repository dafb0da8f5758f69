"""Opting a PowerCRUD view in to signals, and pointing its users at the dashboard.

Two ways, pick one:

- settings alone: ``POWERCRUD_SETTINGS["ASYNC_MANAGER_DEFAULT"] = {"manager_class":
  "powercrud_signals.manager.SignalAsyncManager"}`` makes every async view emit signals;
- per view: put ``SignalsAsyncMixin`` first in the bases of a ``PowerCRUDAsyncMixin`` view.

The mixin also adds a link to the task's dashboard page to PowerCRUD's "queued" response,
and the task's dashboard URL to the ``bulkEditQueued`` HX-Trigger event.  And it keeps the
bulk-update arguments picklable: PowerCRUD 0.9.16 puts each field's rendered form control
(a ``BoundField``, which drags the form renderer and template engine along) into the
arguments it enqueues, and django-q2 cannot pickle that once the web process has loaded
template tag libraries, so the bulk edit fails with "Failed to enqueue async task".
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from powercrud_signals.manager import SignalAsyncManager

logger = logging.getLogger("powercrud_signals.integration")

TASK_LINK_TEMPLATE = "powercrud_signals/partials/task_link.html"

# Keys of PowerCRUD's per-field bulk "info" that only the form needs; the worker never reads them.
FORM_ONLY_FIELD_INFO = frozenset({"control"})


def worker_safe_field_data(field_data: Any) -> Any:
    """PowerCRUD's bulk ``field_data`` without the form-only objects that cannot be pickled."""
    if not isinstance(field_data, list):
        return field_data
    cleaned = []
    for entry in field_data:
        if isinstance(entry, dict) and isinstance(entry.get("info"), dict):
            info = {k: v for k, v in entry["info"].items() if k not in FORM_ONLY_FIELD_INFO}
            entry = {**entry, "info": info}
        cleaned.append(entry)
    return cleaned


def task_dashboard_url(task_name: str) -> str | None:
    """The task's dashboard page, or None when the dashboard URLs are not included."""
    try:
        return reverse("powercrud_signals:task_detail", args=[task_name])
    except NoReverseMatch:
        return None


class SignalsAsyncMixin:
    """For a PowerCRUD async view: launch through ``SignalAsyncManager`` and link to the dashboard.

    ``class BookCRUDView(SignalsAsyncMixin, PowerCRUDAsyncMixin, CRUDView): ...``
    """

    async_manager_class = SignalAsyncManager

    #: Template appended to PowerCRUD's "queued" response; None to leave it untouched.
    task_link_template: str | None = TASK_LINK_TEMPLATE

    def _handle_async_bulk_operation(
        self,
        request: HttpRequest,
        selected_ids: list[Any],
        delete_selected: Any,
        bulk_fields: list[str],
        fields_to_update: list[str],
        field_data: Any,
    ) -> HttpResponse:
        return super()._handle_async_bulk_operation(  # type: ignore[misc, no-any-return]
            request,
            selected_ids,
            delete_selected,
            bulk_fields,
            fields_to_update,
            worker_safe_field_data(field_data),
        )

    def async_queue_success(
        self, request: HttpRequest, task_name: str, selected_ids: list[Any]
    ) -> HttpResponse:
        response: HttpResponse = super().async_queue_success(  # type: ignore[misc]
            request, task_name, selected_ids
        )
        try:
            self.add_dashboard_link(request, response, task_name)
        except Exception:
            # The task is queued whatever happens here; a missing link must not turn that
            # into an error page.
            logger.exception("dashboard_link_failed task_name=%s", task_name)
        return response

    def add_dashboard_link(
        self, request: HttpRequest, response: HttpResponse, task_name: str
    ) -> None:
        url = task_dashboard_url(task_name)
        if url is None:
            return
        trigger = response.get("HX-Trigger")
        if trigger:
            payload = json.loads(trigger)
            if isinstance(payload, dict):
                payload["dashboardUrl"] = url
                response["HX-Trigger"] = json.dumps(payload)
        if self.task_link_template and not response.streaming:
            link = render_to_string(
                self.task_link_template, {"task_name": task_name}, request=request
            )
            response.content = response.content + link.encode(response.charset)
