"""The read-only admin, and which model and database the dashboard reads."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client, override_settings
from django.utils import timezone

from powercrud_signals.access import dashboard_database, dashboard_model, visible_tasks
from powercrud_signals.models import TaskRecord

ADMIN_LIST = "/admin/powercrud_signals/taskrecord/"


def make_task(using: str = "default", **fields: Any) -> TaskRecord:
    now = timezone.now()
    values: dict[str, Any] = {
        "task_name": str(uuid.uuid4()),
        "status": "success",
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    return TaskRecord.objects.using(using).create(**values)


def staff_client(*codenames: str) -> Client:
    user = User.objects.create_user(f"staff-{uuid.uuid4().hex[:6]}", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_admin_lists_and_filters_rows_but_cannot_change_them() -> None:
    failed = make_task(status="failed", message="boom")
    done = make_task(status="success")
    client = staff_client("view_taskrecord")

    listing = client.get(ADMIN_LIST)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert failed.task_name in html and done.task_name in html
    for title in ("By status", "By user", "By queued at"):
        assert title in html
    filtered = client.get(ADMIN_LIST, {"status__exact": "failed"}).content.decode()
    assert failed.task_name in filtered and done.task_name not in filtered
    searched = client.get(ADMIN_LIST, {"q": done.task_name[:8]}).content.decode()
    assert done.task_name in searched and failed.task_name not in searched

    assert client.get(f"{ADMIN_LIST}add/").status_code == 403
    change_url = f"{ADMIN_LIST}{failed.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200 and b'name="_save"' not in page.content  # view only
    assert client.post(change_url, {"status": "success"}).status_code == 403
    assert client.post(f"{ADMIN_LIST}{failed.pk}/delete/", {"post": "yes"}).status_code == 403
    failed.refresh_from_db()
    assert failed.status == "failed"


@pytest.mark.django_db
def test_admin_needs_the_view_permission() -> None:
    assert staff_client().get(ADMIN_LIST).status_code == 403


def test_dashboard_model_is_the_configured_task_record_subclass_or_the_bundled_one() -> None:
    assert dashboard_model() is TaskRecord
    for label in ("testapp.Book", "nope.Missing", "not-a-label"):
        with override_settings(POWERCRUD_SIGNALS={"PERSISTENCE": {"MODEL": label}}):
            assert dashboard_model() is TaskRecord, label


def test_dashboard_database_follows_the_persistence_setting() -> None:
    assert dashboard_database() is None
    with override_settings(POWERCRUD_SIGNALS={"PERSISTENCE": {"DATABASE": "elsewhere"}}):
        assert dashboard_database() == "elsewhere"


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
def test_dashboard_reads_rows_from_the_persistence_database(postgres_alias: str) -> None:
    here = make_task()
    there = make_task(using=postgres_alias)
    user = User.objects.create_user("auditor", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_taskrecord"))
    user = User.objects.get(pk=user.pk)

    assert [t.task_name for t in visible_tasks(user)] == [here.task_name]
    with override_settings(POWERCRUD_SIGNALS={"PERSISTENCE": {"DATABASE": postgres_alias}}):
        assert [t.task_name for t in visible_tasks(user)] == [there.task_name]
        client = Client()
        client.force_login(user)
        page = client.get("/tasks/").content.decode()
        assert there.task_name in page and here.task_name not in page
