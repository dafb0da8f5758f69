"""The examples of docs/dashboard.md do what the page says."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory, override_settings
from django.urls import reverse
from yourproject.crud_views import ProductCRUDView
from yourproject.dashboard_views import MyTaskListView

from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.models import TaskRecord

pytestmark = pytest.mark.django_db


def _superuser() -> Any:
    return get_user_model().objects.create_superuser("boss", password="not-used-here")


@override_settings(ROOT_URLCONF="yourproject.urls")
def test_one_include_gives_both_pages(client: Any) -> None:
    assert reverse("powercrud_signals:task_list") == "/tasks/"
    assert reverse("powercrud_signals:task_detail", args=["t-1"]) == "/tasks/t-1/"
    TaskRecord.objects.create(task_name="t-1", status="success")
    client.force_login(_superuser())
    assert client.get("/tasks/").status_code == 200
    assert client.get("/tasks/t-1/").status_code == 200


@override_settings(ROOT_URLCONF="yourproject.urls")
def test_subclassed_list_polls_every_5s_and_pages_by_50() -> None:
    user = _superuser()
    for index in range(51):
        TaskRecord.objects.create(task_name=f"t-{index:02}", status="in_progress", user=user)
    request = RequestFactory().get("/tasks/")
    request.user = user
    response = MyTaskListView.as_view()(request)
    response.render()
    assert response.context_data["paginator"].per_page == 50
    assert len(response.context_data["object_list"]) == 50
    assert 'hx-trigger="every 5s"' in response.content.decode()


def test_mixin_view_launches_through_the_signal_manager() -> None:
    view = ProductCRUDView()
    assert view.get_async_manager_class() is SignalAsyncManager
    assert view.get_async_manager_class_path() == "powercrud_signals.manager.SignalAsyncManager"
