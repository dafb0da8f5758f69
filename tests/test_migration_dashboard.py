"""Migration path (b) of docs/migration.md: ModelTrackingAsyncManager + AsyncDashboardConfig to
POWERCRUD_SIGNALS["PERSISTENCE"] / ["FORMATTERS"], on the same table, with no data migration.

The model is ``tests.testapp.models.AsyncTaskRecord``, shaped like PowerCRUD's sample
``AsyncTaskRecord``.  Rows are first written by PowerCRUD's own ModelTrackingAsyncManager (the
"before" of docs/examples/yourproject/dashboard), then the settings of the "after" are applied and
the persistence receiver must keep writing the same rows the same way: a task queued before the
switch finishes in its existing row, a new task gets a row shaped like the old ones.
"""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils.module_loading import import_string
from django_q.models import Task
from powercrud.async_hooks import task_completion_hook
from yourproject.dashboard import after, before
from yourproject.dashboard.formatters import user_label

from powercrud_signals.manager import SignalAsyncManager, dotted_path
from tests.testapp import models as testapp_models
from tests.testapp.models import Book

MISSING = [
    what
    for what, present in (
        (
            "tests.testapp.models.AsyncTaskRecord (PowerCRUD's sample dashboard model)",
            hasattr(testapp_models, "AsyncTaskRecord"),
        ),
        (
            "powercrud_signals.receivers.persistence (the PersistenceReceiver)",
            importlib.util.find_spec("powercrud_signals.receivers.persistence") is not None,
        ),
    )
    if not present
]

needs_persistence = pytest.mark.skipif(
    bool(MISSING),
    reason="migration path (b) needs the persistence work of branch 'persist', not merged "
    f"into this branch yet: missing {', '.join(MISSING)}",
)

SHAPE_FIELDS = ("progress_payload", "user_label", "affected_objects", "result_payload")


def _record_model() -> Any:
    return testapp_models.AsyncTaskRecord  # type: ignore[attr-defined]


def _user() -> Any:
    return get_user_model().objects.create_user(
        username="ada", first_name="Ada", last_name="Lovelace", password="not-used-here"
    )


def _delete_books(manager_cls: type, user: Any) -> str:
    """A real PowerCRUD bulk delete, launched the way a PowerCRUD view launches it."""
    ids = [Book.objects.create(title=f"Book {i}").pk for i in range(3)]
    task_name: str = manager_cls().launch_async_task(
        "powercrud.tasks.bulk_delete_task",
        "testapp.Book",
        ids,
        user.pk,
        user=user,
        affected_objects="3 books",
        manager_class=dotted_path(manager_cls),
        sync=True,
    )
    assert not Book.objects.filter(pk__in=ids).exists()
    return task_name


def _shape(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in SHAPE_FIELDS} | {
        "has_completed_at": row.completed_at is not None,
        "cleaned_up": row.cleaned_up,
    }


def test_settings_carry_the_same_model_field_map_and_formatter() -> None:
    persistence = after.POWERCRUD_SIGNALS["PERSISTENCE"]
    assert persistence["MODEL"] == before.AppAsyncManager.record_model_path
    assert persistence["FIELD_MAP"] == before.FIELD_MAP == dict(before.AppAsyncManager.field_map)
    assert import_string(after.POWERCRUD_SIGNALS["FORMATTERS"]["user"]) is user_label
    # The moved formatter labels a user exactly as the old manager's format_user did.
    user = SimpleNamespace(get_full_name=lambda: "Ada Lovelace", get_username=lambda: "ada")
    old_manager = object.__new__(before.AppAsyncManager)  # format_user needs no state
    assert old_manager.format_user(user) == user_label(user) == "Ada Lovelace <ada>"


@needs_persistence
@pytest.mark.django_db
def test_existing_rows_keep_working_after_the_switch() -> None:
    Record = _record_model()
    user = _user()

    # Before: PowerCRUD's ModelTrackingAsyncManager writes the rows.
    with override_settings(POWERCRUD_SETTINGS=before.POWERCRUD_SETTINGS):
        old_task = _delete_books(before.AppAsyncManager, user)
        # A task queued just before the deploy: its row exists, still pending.
        in_flight = "2f3c1a9e-0d7b-4c55-8a61-7b4d2e9c0f13"
        before.AppAsyncManager().async_task_lifecycle(
            "create",
            in_flight,
            status="pending",
            message="Task queued",
            user=user,
            affected_objects="3 books",
            task_kwargs={"manager_class": dotted_path(before.AppAsyncManager)},
        )
    old_row = Record.objects.get(task_name=old_task)
    assert old_row.user_label == "Ada Lovelace <ada>" and old_row.completed_at is not None
    # In a synchronous run "create" arrives last, and PowerCRUD's manager lets it move the
    # finished row back: the regression docs/migration.md says the switch removes.
    assert (old_row.status, old_row.message) == ("pending", "Task queued")
    rows_before = Record.objects.count()

    # After: settings only.  The old row is untouched, the in-flight task finishes in its row
    # (its kwargs name the manager path, which now holds a signal-emitting class), and a new
    # task gets a row shaped exactly like the old manager's.
    with override_settings(
        POWERCRUD_SETTINGS=after.POWERCRUD_SETTINGS, POWERCRUD_SIGNALS=after.POWERCRUD_SIGNALS
    ):
        task_completion_hook(
            Task(
                id="1" * 32,
                name=in_flight,
                func="powercrud.tasks.bulk_delete_task",
                kwargs={"manager_class": dotted_path(after.AppAsyncManager)},
                success=True,
                result=True,
            )
        )
        new_task = _delete_books(SignalAsyncManager, user)

    assert Record.objects.count() == rows_before + 1  # one new row, no duplicates
    assert _shape(Record.objects.get(task_name=old_task)) == _shape(old_row)
    finished = Record.objects.get(task_name=in_flight)
    assert finished.status == "success"
    assert finished.user_label == "Ada Lovelace <ada>"  # kept from the old manager's create
    assert finished.completed_at is not None and finished.cleaned_up is True
    new_row = Record.objects.get(task_name=new_task)
    assert _shape(new_row) == _shape(old_row)  # same columns, same formatting
    assert (new_row.status, new_row.message) == ("success", "Task completed successfully")
    assert "manager_class" in old_row.task_kwargs and new_row.task_kwargs == {}
