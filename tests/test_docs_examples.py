"""The documentation's code examples run, and say what the pages claim they do.

Every ```python block in docs/*.md must be a pymdownx.snippets include of a file under
docs/examples/ (so no example is written where no test can reach it); every such file is
imported here; and the behaviour each page describes is exercised below, page by page, through
PowerCRUD's real launch code (``sync=True``) and django-q2's in-process worker and monitor.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import timezone
from django_q.models import Task
from powercrud.async_hooks import task_completion_hook
from powercrud.async_manager import AsyncManager

from powercrud_signals.conf import app_settings, persistence_active
from powercrud_signals.events import EventKind, LifecycleEvent, Status
from powercrud_signals.exceptions import ReceiverError
from powercrud_signals.manager import SignalAsyncManager, dotted_path
from powercrud_signals.receivers import connect_configured, disconnect_configured
from powercrud_signals.signals import send_event, task_failed
from powercrud_signals.testing import capture_events

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
EXAMPLES = DOCS / "examples"

FENCE = re.compile(
    r"^(?P<indent> *)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)
SNIPPET = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"$')


def _pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if EXAMPLES not in p.parents)


def _python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for page in _pages():
        for match in FENCE.finditer(page.read_text(encoding="utf-8")):
            if match["lang"] in ("python", "py", "pycon"):
                blocks.append((page.name, match["body"]))
    return blocks


def _example_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(EXAMPLES).with_suffix("").parts)
        for path in EXAMPLES.rglob("*.py")
        if path.name != "__init__.py"
    )


# ----------------------------------------------------------------------------- every page


def test_python_blocks_are_includes_of_tested_files() -> None:
    blocks = _python_blocks()
    assert blocks, "no python blocks found: the fence pattern is broken"
    inline = []
    for page, body in blocks:
        for line in body.strip().splitlines():
            match = SNIPPET.match(line.strip())
            if match is None or not match["path"].startswith("docs/examples/"):
                inline.append(f"{page}: {line.strip()!r}")
                break
    assert not inline, (
        "python blocks in docs/*.md must include a file under docs/examples/ with "
        '--8<-- "docs/examples/<file>.py:<section>" (see CONTRIBUTING.md): ' + "; ".join(inline)
    )


def test_every_include_names_an_existing_file_and_section() -> None:
    missing = []
    for page, body in _python_blocks():
        for line in body.strip().splitlines():
            match = SNIPPET.match(line.strip())
            assert match is not None
            path = REPO / match["path"]
            if not path.is_file():
                missing.append(f"{page}: {match['path']}")
                continue
            section = match["section"]
            text = path.read_text(encoding="utf-8")
            if section and (
                f"# --8<-- [start:{section}]" not in text or f"# --8<-- [end:{section}]" not in text
            ):
                missing.append(f"{page}: {match['path']}:{section}")
    assert not missing, f"includes naming nothing: {missing}"


@pytest.mark.parametrize("module", _example_modules())
def test_every_example_file_imports(module: str) -> None:
    importlib.import_module(module)


# ------------------------------------------------------------------------- quickstart.md


@pytest.fixture
def quickstart_settings() -> Any:
    return importlib.import_module("yourproject.settings")


@pytest.mark.django_db
def test_quickstart_settings_pass_every_check(quickstart_settings: Any) -> None:
    assert set(quickstart_settings.INSTALLED_APPS) <= set(settings.INSTALLED_APPS)
    with override_settings(
        POWERCRUD_SETTINGS=quickstart_settings.POWERCRUD_SETTINGS,
        CACHES=quickstart_settings.CACHES,
        POWERCRUD_SIGNALS=quickstart_settings.POWERCRUD_SIGNALS,
    ):
        messages = [m for m in run_checks() if m.id and m.id.startswith("powercrud_signals.")]
    assert messages == []


@pytest.fixture
def configured_receivers(quickstart_settings: Any) -> Iterator[list[Any]]:
    entries = quickstart_settings.POWERCRUD_SIGNALS["RECEIVERS"]
    connected = connect_configured(entries)
    try:
        yield connected
    finally:
        disconnect_configured(entries)


@pytest.mark.django_db
def test_receivers_setting_logs_every_transition_and_counts_failures(
    configured_receivers: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    from yourproject import task_log
    from yourproject.tasks import start_import

    assert [c.path for c in configured_receivers] == [
        "yourproject.task_log.log_transition",
        "yourproject.task_log.count_failure",
    ]
    failures_before = task_log.FAILURES["count"]
    with caplog.at_level(logging.INFO, logger="yourproject.task_log"):
        task_name = start_import([{"sku": "A"}], sync=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "yourproject.task_log"]
    assert f"task={task_name} kind=progress status=in_progress progress=imported 1/1" in lines
    assert f"task={task_name} kind=complete status=success progress=None" in lines
    assert len(lines) == 5  # started, progress, complete, cleanup, create
    assert task_log.FAILURES["count"] == failures_before  # only task_failed reaches it

    _fail_through_hook(SignalAsyncManager)
    assert task_log.FAILURES["count"] == failures_before + 1


def _fail_through_hook(manager_cls: type) -> str:
    task = Task(
        id="f" * 32,
        name="0c6f0e1a-5f55-4d7c-9a53-3c1f8a0b2d44",
        func="yourproject.tasks.import_rows",
        kwargs={"manager_class": dotted_path(manager_cls)},
        success=False,
        result="KeyError: 'sku'",
        attempt_count=1,
    )
    task_completion_hook(task)
    return str(task.name)


@pytest.mark.django_db
def test_app_ready_connects_the_alert_receiver(caplog: pytest.LogCaptureFixture) -> None:
    from yourproject.apps import YourProjectConfig

    uid = "yourproject.alert_on_failure"
    task_failed.disconnect(dispatch_uid=uid)
    try:
        YourProjectConfig("yourproject", importlib.import_module("yourproject")).ready()
        with caplog.at_level(logging.ERROR, logger="yourproject.alerts"):
            task_name = _fail_through_hook(SignalAsyncManager)
    finally:
        task_failed.disconnect(dispatch_uid=uid)
    alerts = [r.getMessage() for r in caplog.records if r.name == "yourproject.alerts"]
    assert alerts == [f"ALERT Task {task_name} failed (attempt 1): KeyError: 'sku'"]


@pytest.mark.django_db
def test_task_manager_progress_reaches_receivers_with_numbers() -> None:
    from yourproject.tasks import start_import

    with capture_events() as events:
        task_name = start_import([1, 2, 3], sync=True)
    progress = events.of_kind("progress")
    assert [(e.progress_current, e.progress_total) for e in progress] == [(1, 3), (2, 3), (3, 3)]
    assert {e.task_name for e in progress} == {task_name}
    assert all(e.q2_task_id and e.attempt == 1 for e in progress)


@pytest.mark.django_db
def test_test_settings_turn_persistence_off_and_raise_receiver_errors() -> None:
    test_settings = importlib.import_module("yourproject.settings_test")
    with override_settings(POWERCRUD_SIGNALS=test_settings.POWERCRUD_SIGNALS):
        assert not persistence_active()
        assert app_settings.raise_receiver_errors
        assert [m.id for m in run_checks() if m.id and m.id.startswith("powercrud_signals.")] == []

        def broken(sender: type, event: LifecycleEvent, **kwargs: Any) -> None:
            raise RuntimeError("receiver bug")

        task_failed.connect(broken, dispatch_uid="test.broken")
        try:
            with pytest.raises(ReceiverError, match="receiver bug"):
                send_event(
                    SignalAsyncManager,
                    LifecycleEvent(kind=EventKind.FAIL, task_name="t", status=Status.FAILED),
                )
        finally:
            task_failed.disconnect(dispatch_uid="test.broken")
    assert persistence_active()


# --------------------------------------------------------------------- troubleshooting.md


class ConfiguredManager(SignalAsyncManager):
    """A manager that needs a key in its config: built without it, it raises."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.region = self.config["region"]


@pytest.mark.django_db
def test_manager_that_cannot_be_built_falls_back_silently_and_e008_says_so() -> None:
    path = dotted_path(ConfiguredManager)
    # PowerCRUD's own resolution: no exception, just its base manager, which emits nothing.
    fallback = AsyncManager.resolve_manager(path, config={"wrong": "key"})
    assert type(fallback) is AsyncManager
    assert type(AsyncManager.resolve_manager(path, config={"region": "eu"})) is ConfiguredManager

    powercrud = {**settings.POWERCRUD_SETTINGS}
    powercrud["ASYNC_MANAGER_DEFAULT"] = {"manager_class": path, "config": {"wrong": "key"}}
    with override_settings(POWERCRUD_SETTINGS=powercrud):
        errors = [m for m in run_checks() if m.id == "powercrud_signals.E008"]
    assert len(errors) == 1 and "KeyError" in errors[0].msg


@pytest.mark.django_db
def test_locmem_cache_breaks_every_manager_and_e009_says_so() -> None:
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=locmem):
        with pytest.raises(ImproperlyConfigured, match="shared cache backend"):
            SignalAsyncManager()
        assert "powercrud_signals.E009" in {m.id for m in run_checks()}


@pytest.mark.django_db
def test_latest_status_receiver_ignores_late_and_stale_events() -> None:
    from django.core.cache import cache
    from yourproject.latest_status import remember_latest_status

    def event(kind: EventKind, status: Status | None, attempt: int | None) -> LifecycleEvent:
        return LifecycleEvent(kind=kind, task_name="t-1", status=status, attempt=attempt)

    arrivals = [  # the order a receiver can really see them in
        event(EventKind.STARTED, Status.IN_PROGRESS, 1),
        event(EventKind.FAIL, Status.FAILED, 1),
        event(EventKind.CLEANUP, None, 1),
        event(EventKind.CREATE, Status.PENDING, None),  # create last
        event(EventKind.PROGRESS, Status.IN_PROGRESS, 1),  # late progress
        event(EventKind.STARTED, Status.IN_PROGRESS, 2),  # the retry
        event(EventKind.COMPLETE, Status.SUCCESS, 2),
        event(EventKind.PROGRESS, Status.IN_PROGRESS, 1),  # stale attempt
    ]
    seen = []
    for incoming in arrivals:
        remember_latest_status(SignalAsyncManager, incoming)
        seen.append(cache.get("yourproject:task-status:t-1")["status"])
    assert seen == [
        "in_progress",
        "failed",
        "failed",
        "failed",
        "failed",
        "in_progress",
        "success",
        "success",
    ]


@pytest.mark.django_db
def test_create_arrives_last_in_a_synchronous_run() -> None:
    from yourproject.tasks import start_import

    with capture_events() as events:
        task_name = start_import([1], sync=True)
    kinds = events.kinds(task_name)
    assert kinds.index("create") > kinds.index("complete")


@pytest.mark.django_db
def test_progress_through_the_base_manager_is_unseen() -> None:
    with capture_events() as events:
        unseen = SignalAsyncManager().launch_async_task(
            "yourproject.tasks_unseen.import_rows", [1, 2], sync=True
        )
        seen = SignalAsyncManager().launch_async_task(
            "yourproject.tasks.import_rows", [1, 2], sync=True
        )
    assert "progress" not in events.kinds(unseen)
    assert "complete" in events.kinds(unseen)  # the rest of the pipeline is unaffected
    assert events.kinds(seen).count("progress") == 2


def test_clock_is_aware() -> None:
    # The signals page promises aware timestamps on every event.
    assert timezone.is_aware(LifecycleEvent(kind=EventKind.CREATE, task_name="t").timestamp)


def test_yourproject_is_not_an_installed_app() -> None:
    # The examples stand for a project; they must not leak into the test settings' app registry.
    assert not apps.is_installed("yourproject")


# ------------------------------------------------------------------------ deployment.md


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.mark.redis
@pytest.mark.django_db
def test_production_settings_pass_the_checks_and_share_a_real_redis_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.conftest import require_service

    url = settings.REDIS_URL
    require_service(_redis_answers(url), f"Redis at {url}")
    monkeypatch.setenv("REDIS_URL", url)
    production = importlib.reload(importlib.import_module("yourproject.settings_production"))

    assert production.Q_CLUSTER["retry"] > production.Q_CLUSTER["timeout"]
    assert production.Q_CLUSTER["redis"] == production.CACHES["default"]["LOCATION"] == url
    with override_settings(
        CACHES=production.CACHES, POWERCRUD_SETTINGS=production.POWERCRUD_SETTINGS
    ):
        assert [m for m in run_checks() if m.id and m.id.startswith("powercrud_signals.")] == []
        # PowerCRUD accepts it as a shared cache and keeps progress in the real Redis.
        manager = SignalAsyncManager()
        assert type(manager.cache).__name__ == "RedisCache"
        manager.create_progress_key("docs-deployment-task")
        manager.update_progress("docs-deployment-task", "1/2")
        assert SignalAsyncManager().get_progress("docs-deployment-task") == "1/2"
        manager.remove_progress_key("docs-deployment-task")
        assert SignalAsyncManager().get_progress("docs-deployment-task") is None


# ---------------------------------------------------- quickstart.md, with the persistence receiver


@pytest.mark.django_db
def test_quickstart_task_gets_a_dashboard_row_unless_persistence_is_off() -> None:
    from yourproject.tasks import start_import

    from powercrud_signals.models import TaskRecord
    from powercrud_signals.testing import persistence_off

    task_name = start_import([{"sku": "A"}, {"sku": "B"}], sync=True)
    row = TaskRecord.objects.get(task_name=task_name)
    assert (row.status, row.progress_current, row.progress_total) == ("success", 2, 2)
    assert row.affected_objects == "2 rows"

    with persistence_off(), capture_events() as events:
        quiet = start_import([{"sku": "C"}], sync=True)
    assert not TaskRecord.objects.filter(task_name=quiet).exists()
    assert "complete" in events.kinds(quiet)  # every other receiver still ran

    test_settings = importlib.import_module("yourproject.settings_test")
    with override_settings(POWERCRUD_SIGNALS=test_settings.POWERCRUD_SIGNALS):
        off = start_import([{"sku": "D"}], sync=True)
    assert not TaskRecord.objects.filter(task_name=off).exists()
