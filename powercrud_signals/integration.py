"""Opting a PowerCRUD view in to signals, and pointing its users at the dashboard.

Two ways, pick one:

- settings alone: ``POWERCRUD_SETTINGS["ASYNC_MANAGER_DEFAULT"] = {"manager_class":
  "powercrud_signals.manager.SignalAsyncManager"}`` makes every async view emit signals;
- per view: put ``SignalsAsyncMixin`` first in the bases of a ``PowerCRUDAsyncMixin`` view.

The mixin also adds a link to the task's dashboard page to PowerCRUD's "queued" response,
and the task's dashboard URL to the ``bulkEditQueued`` HX-Trigger event.
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
