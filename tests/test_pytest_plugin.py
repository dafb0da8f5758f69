"""The pytest plugin, exercised by real pytest runs of a small downstream-style project."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from tests.cluster import REPO_ROOT

pytest_plugins = ["pytester"]

# The assertions are on TaskRecord rows, written by the persistence receiver (connected by
# default) or, where that receiver is not installed, by a stand-in that honours
# persistence_active() the same way (tests.receivers.persist_minimal).
DOWNSTREAM_SETTINGS = """
from importlib.util import find_spec

from tests.settings import *  # the suite's database, cache and django-q2 set-up

if find_spec("powercrud_signals.receivers.persistence") is None:
    POWERCRUD_SIGNALS = {"RECEIVERS": ["tests.receivers.persist_minimal"]}
else:
    POWERCRUD_SIGNALS = {"RECEIVERS": []}
"""

LAUNCH = """
import pytest
from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.models import TaskRecord

pytestmark = pytest.mark.django_db(transaction=True)


def launch():
    return SignalAsyncManager().launch_async_task("tests.testapp.tasks.count_to", 3, sync=True)
"""


@pytest.fixture
def downstream(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> pytest.Pytester:
    """A project directory whose pytest run uses its own SQLite database and settings."""
    pytester.makepyfile(downstream_settings=DOWNSTREAM_SETTINGS)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(pytester.path), str(REPO_ROOT)]))
    monkeypatch.setenv("POWERCRUD_SIGNALS_SQLITE_PATH", str(tmp_path / "downstream.sqlite3"))
    monkeypatch.delenv("POWERCRUD_SIGNALS_EVENT_LOG", raising=False)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--ds=downstream_settings", "-p", "no:randomly", "-p", "no:cacheprovider", *args
    )


def test_fixtures_and_marker(downstream: pytest.Pytester) -> None:
    downstream.makepyfile(
        test_downstream=LAUNCH
        + textwrap.dedent(
            """
            EXPECTED = ["started", *["progress"] * 3, "complete", "cleanup", "create"]


            def test_rows_are_written_by_default():
                name = launch()
                assert list(TaskRecord.objects.values_list("task_name", flat=True)) == [name]


            def test_events_arrive_in_order_for_a_sync_task(lifecycle_events):
                name = launch()
                lifecycle_events.assert_kinds(EXPECTED, task_name=name)
                assert [e.progress for e in lifecycle_events.of_kind("progress")] == [
                    "counting: 1/3", "counting: 2/3", "counting: 3/3"
                ]


            @pytest.mark.persistence_off
            def test_marker_writes_no_rows(lifecycle_events):
                name = launch()
                assert TaskRecord.objects.count() == 0
                lifecycle_events.assert_kinds(EXPECTED, task_name=name)  # other receivers fire


            def test_fixture_writes_no_rows(no_persistence, lifecycle_events):
                name = launch()
                assert TaskRecord.objects.count() == 0
                lifecycle_events.assert_kinds(EXPECTED, task_name=name)


            def test_rows_are_written_again_after_the_switched_off_tests():
                launch()
                assert TaskRecord.objects.count() == 1
            """
        )
    )
    result = run(downstream, "-v")
    result.assert_outcomes(passed=5)


@pytest.mark.parametrize("how", ["option", "ini"])
def test_persistence_off_for_the_whole_run(downstream: pytest.Pytester, how: str) -> None:
    downstream.makepyfile(
        test_downstream=LAUNCH
        + textwrap.dedent(
            """
            def test_no_rows(lifecycle_events):
                name = launch()
                assert TaskRecord.objects.count() == 0
                assert lifecycle_events.kinds(name)[-1] == "create"


            def test_still_no_rows():
                launch()
                assert TaskRecord.objects.count() == 0
            """
        )
    )
    if how == "ini":
        downstream.makeini("[pytest]\npowercrud_signals_persistence = false\n")
        result = run(downstream)
    else:
        result = run(downstream, "--powercrud-signals-no-persistence")
    result.assert_outcomes(passed=2)


def test_receiver_errors_fail_the_test_that_caused_them(downstream: pytest.Pytester) -> None:
    downstream.makepyfile(
        test_downstream=LAUNCH
        + textwrap.dedent(
            """
            from powercrud_signals.signals import task_succeeded


            def on_success(sender, event, **kwargs):
                raise ValueError("bug in a receiver")


            @pytest.fixture
            def buggy_receiver():
                task_succeeded.connect(on_success, dispatch_uid="buggy")
                yield
                task_succeeded.disconnect(dispatch_uid="buggy")


            @pytest.fixture
            def raise_errors(settings):
                settings.POWERCRUD_SIGNALS = {
                    **settings.POWERCRUD_SIGNALS, "RAISE_RECEIVER_ERRORS": True
                }


            def test_with_raise_receiver_errors(raise_errors, buggy_receiver):
                launch()  # PowerCRUD catches the ReceiverError from its completion hook


            def test_without_the_setting_the_failure_is_isolated(buggy_receiver):
                launch()


            def test_a_healthy_test_after_a_failing_one(raise_errors):
                launch()
            """
        )
    )
    result = run(downstream, "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_with_raise_receiver_errors FAILED*",
            "*1 lifecycle receiver(s) raised during the test:*",
            "*test_downstream.on_success raised ValueError: bug in a receiver (event complete *",
        ]
    )


def test_plugin_is_harmless_in_a_project_without_django_settings(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    pytester.makepyfile(
        test_plain="""
        def test_plain():
            assert 1 + 1 == 2
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "--powercrud-signals-no-persistence"
    )
    result.assert_outcomes(passed=1)
    assert "powercrud" not in result.stderr.str()


def test_receiver_errors_raised_to_the_test_are_left_to_it(downstream: pytest.Pytester) -> None:
    downstream.makepyfile(
        test_direct="""
        import pytest
        from powercrud_signals.exceptions import ReceiverError
        from powercrud_signals.manager import SignalAsyncManager
        from powercrud_signals.signals import task_failed

        pytestmark = pytest.mark.django_db


        def broken(sender, event, **kwargs):
            raise ValueError("bug in a receiver")


        @pytest.fixture(autouse=True)
        def setup(settings):
            settings.POWERCRUD_SIGNALS = {"RAISE_RECEIVER_ERRORS": True}
            task_failed.connect(broken, dispatch_uid="broken")
            yield
            task_failed.disconnect(dispatch_uid="broken")


        def test_expected():
            with pytest.raises(ReceiverError, match="bug in a receiver"):
                SignalAsyncManager().emit_lifecycle_signal("fail", "t-1", {"status": "failed"})


        def test_unexpected():
            SignalAsyncManager().emit_lifecycle_signal("fail", "t-2", {"status": "failed"})
        """
    )
    result = run(downstream, "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_unexpected FAILED*", "*ReceiverError: receiver *broken*"])
    result.stdout.no_fnmatch_line("*lifecycle receiver(s) raised*")
