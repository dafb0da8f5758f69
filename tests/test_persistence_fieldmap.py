"""Field maps: a PowerCRUD-style AsyncTaskRecord, a task-name-only model, bad maps, migrations."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from powercrud_signals.checks import check_persistence
from powercrud_signals.exceptions import ConfigurationError
from powercrud_signals.persistence.fieldmap import DEFAULT_FIELD_MAP, resolve_field_map
from powercrud_signals.persistence.receiver import PersistenceReceiver
from powercrud_signals.signals import send_event
from tests.persistence_support import T0, make_event, new_task_name
from tests.testapp.models import AsyncTaskRecord, Book, TaskNameOnly

pytestmark = pytest.mark.django_db

# The map a project wrote for PowerCRUD's ModelTrackingAsyncManager (its logical names).
POWERCRUD_FIELD_MAP = {
    "task_name": "task_name",
    "status": "status",
    "message": "message",
    "progress": "progress_payload",
    "user": "user_label",
    "affected": "affected_objects",
    "kwargs": "task_kwargs",
    "args": "task_args",
    "result": "result_payload",
    "cleaned": "cleaned_up",
    "completed_at": "completed_at",
    "failed_at": "failed_at",
}


def test_powercrud_style_model_gets_the_whole_lifecycle() -> None:
    receiver = PersistenceReceiver(
        model="testapp.AsyncTaskRecord", field_map=POWERCRUD_FIELD_MAP, progress_interval=0
    )
    task = new_task_name()
    for event in [
        make_event("progress", task, seconds=2, attempt=1, progress="updating: 2/2"),
        make_event(
            "create",
            task,
            user_label="a-very-long-user-label-" * 5,
            affected_label="Book 1",
            task_args=["testapp.Book"],
            task_kwargs={"x": 1},
        ),
        make_event("complete", task, seconds=3, attempt=1, result={"updated": 2}),
        make_event("cleanup", task, seconds=4),
    ]:
        receiver(None, event)
    row = AsyncTaskRecord.objects.get(task_name=task)
    assert row.status == "success"
    assert row.message == "Task completed successfully"
    assert row.progress_payload == "updating: 2/2"
    assert len(row.user_label) == 64 and row.user_label.endswith("…")  # truncated to the column
    assert row.affected_objects == "Book 1"
    assert row.task_args == ["testapp.Book"] and row.task_kwargs == {"x": 1}
    assert row.result_payload == '{"updated": 2}'  # JSON text in a text column
    assert row.cleaned_up is True
    assert row.completed_at is not None and row.failed_at is None
    assert row.created_at == T0  # auto_now_add does not apply: the event's time is written


def test_default_map_skips_columns_the_model_lacks() -> None:
    field_map = resolve_field_map(AsyncTaskRecord)
    assert set(field_map.columns) == set(POWERCRUD_FIELD_MAP) | {"created_at", "updated_at"}


def test_model_with_only_a_task_name_works() -> None:
    receiver = PersistenceReceiver(model=TaskNameOnly, progress_interval=0)
    task = new_task_name()
    for kind in ("create", "started", "progress", "complete", "cleanup"):
        receiver(None, make_event(kind, task, attempt=1, progress="1/1"))
    assert list(TaskNameOnly.objects.values_list("task_name", flat=True)) == [task]


def test_none_in_the_map_skips_a_column() -> None:
    receiver = PersistenceReceiver(field_map={"user": None, "message": None}, progress_interval=0)
    task = new_task_name()
    receiver(None, make_event("create", task, user_label="alice"))
    from powercrud_signals.models import TaskRecord

    row = TaskRecord.objects.get(task_name=task)
    assert (row.user_label, row.message, row.status) == ("", "", "pending")


def test_create_defaults_fill_columns_the_event_does_not() -> None:
    receiver = PersistenceReceiver(
        model="testapp.AsyncTaskRecord",
        create_defaults={"message": "queued by the importer", "status": "pending"},
        progress_interval=0,
    )
    task = new_task_name()
    receiver(None, make_event("cleanup", task))
    row = AsyncTaskRecord.objects.get(task_name=task)
    assert (row.message, row.status, row.cleaned_up) == ("queued by the importer", "pending", True)


@pytest.mark.parametrize(
    ("field_map", "problem"),
    [
        ({"nonsense": "status"}, "unknown logical name"),
        ({"status": "no_such_field"}, "has no field 'no_such_field'"),
        ({"task_name": "title"}, "must be unique"),
    ],
)
def test_bad_field_maps_are_refused_with_the_reason(
    field_map: dict[str, str], problem: str
) -> None:
    model = Book if field_map.get("task_name") == "title" else AsyncTaskRecord
    with pytest.raises(ConfigurationError, match=problem):
        resolve_field_map(model, field_map)


def test_task_name_must_exist() -> None:
    with pytest.raises(ConfigurationError, match="no task-name field"):
        resolve_field_map(Book)


def test_unusable_configuration_is_check_e020_and_writes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with override_settings(POWERCRUD_SIGNALS={"PERSISTENCE": {"MODEL": "testapp.Book"}}):
        errors = check_persistence()
        assert [e.id for e in errors] == ["powercrud_signals.E020"]
        assert "no task-name field" in errors[0].msg
        send_event(type(None), make_event("create", new_task_name()))  # logged, not raised
    assert any("persistence_write_failed" in r.getMessage() for r in caplog.records)
    assert check_persistence() == []


def test_settings_select_the_model_and_map() -> None:
    task = new_task_name()
    with override_settings(
        POWERCRUD_SIGNALS={
            "PERSISTENCE": {"MODEL": "testapp.AsyncTaskRecord", "FIELD_MAP": POWERCRUD_FIELD_MAP}
        }
    ):
        send_event(type(None), make_event("create", task, user_label="alice"))
    assert AsyncTaskRecord.objects.get(task_name=task).user_label == "alice"


def test_defaults_name_the_bundled_columns() -> None:
    from powercrud_signals.models import TaskRecord

    names = {f.name for f in TaskRecord._meta.get_fields()}
    assert set(DEFAULT_FIELD_MAP.values()) <= names


def test_no_model_change_lacks_its_migration() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
