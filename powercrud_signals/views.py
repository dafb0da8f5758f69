"""The dashboard: a list of async tasks and a page per task.

Both pages are read-only GETs.  While a task they show is queued or running they poll
themselves (htmx ``every Ns`` on a fragment that the server re-renders); the fragment
rendered once nothing is in flight carries no trigger, so polling stops by itself.
Access rules live in ``access.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.views.generic import DetailView, ListView

from powercrud_signals.access import dashboard_model, sees_all_tasks, view_permission, visible_tasks
from powercrud_signals.forms import TaskFilterForm
from powercrud_signals.models import AbstractTaskRecord, TaskStatus

IN_FLIGHT = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


def is_in_flight(task: AbstractTaskRecord) -> bool:
    """Queued or running; a row with no status yet counts as queued until it is cleaned up."""
    if task.status is None:
        return not task.cleaned_up
    return task.status in IN_FLIGHT


def is_htmx(request: HttpRequest) -> bool:
    # Read the header directly so the dashboard works without django-htmx's middleware.
    # A boosted link (hx-boost) and htmx's history restore send HX-Request too, but want
    # the whole page.
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


class TaskAccessMixin(AccessMixin):
    """Requires the dashboard model's view permission; anonymous users go to the login page."""

    #: Seconds between refreshes while something shown is in flight.
    poll_seconds = 2

    def get_model(self) -> type[AbstractTaskRecord]:
        return dashboard_model()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated or not request.user.has_perm(
            view_permission(self.get_model())
        ):
            return self.handle_no_permission()
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        # The polling fragment comes from the page's own URL: caches must tell them apart.
        patch_vary_headers(response, ("HX-Request",))
        return response

    def get_queryset(self) -> QuerySet[Any]:
        return visible_tasks(self.request.user, self.get_model())  # type: ignore[attr-defined]

    #: Rendered instead of the full page for htmx's polling requests.
    partial_template_name: str = ""

    def get_template_names(self) -> list[str]:
        if is_htmx(self.request):  # type: ignore[attr-defined]
            return [self.partial_template_name]
        return [self.template_name]  # type: ignore[attr-defined]


class TaskListView(TaskAccessMixin, ListView):  # type: ignore[type-arg]
    template_name = "powercrud_signals/task_list.html"
    partial_template_name = "powercrud_signals/partials/task_table.html"
    context_object_name = "tasks"
    paginate_by = 25

    def get_filter_form(self) -> TaskFilterForm:
        user_filter = sees_all_tasks(self.request.user)
        users = None
        if user_filter and not is_htmx(self.request):
            pairs = (
                super()
                .get_queryset()
                .exclude(user_id=None)
                .order_by("user_label", "user_id")
                .values_list("user_id", "user_label")
                .distinct()
            )
            users = [(pk, label or f"#{pk}") for pk, label in pairs]
        data = self.request.GET if self.request.GET else None
        return TaskFilterForm(data, user_filter=user_filter, users=users)

    def get_queryset(self) -> QuerySet[Any]:
        self.filter_form = self.get_filter_form()
        queryset = self.filter_form.filter(super().get_queryset())
        return queryset.order_by(F("created_at").desc(nulls_last=True), "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        rows = list(page.object_list) if page is not None else list(context["tasks"])
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            sees_all=sees_all_tasks(self.request.user),
            in_flight=any(is_in_flight(row) for row in rows),
            poll_seconds=self.poll_seconds,
            query_string=query.urlencode(),
        )
        return context


class TaskDetailView(TaskAccessMixin, DetailView):  # type: ignore[type-arg]
    template_name = "powercrud_signals/task_detail.html"
    partial_template_name = "powercrud_signals/partials/task_record.html"
    context_object_name = "task"
    slug_field = "task_name"
    slug_url_kwarg = "task_name"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        task = context["task"]
        context.update(
            in_flight=is_in_flight(task),
            poll_seconds=self.poll_seconds,
        )
        return context
