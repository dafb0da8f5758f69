"""The pytest plugin of powercrud-signals (loaded through ``powercrud_signals.testing``).

- fixtures ``lifecycle_events`` (a CapturedEvents for the test) and ``no_persistence``;
- marker ``@pytest.mark.persistence_off``: persistence off for that test, fixtures included;
- ``--powercrud-signals-no-persistence`` or ini ``powercrud_signals_persistence = false``:
  persistence off for the whole run;
- with ``POWERCRUD_SIGNALS["RAISE_RECEIVER_ERRORS"] = True``, a lifecycle receiver that
  raises fails the test (setup, call or teardown) during which it raised, when the resulting
  ReceiverError was swallowed on its way (by PowerCRUD or a django-q2 signal handler); one
  raised from a direct call reaches the test by itself.

Nothing here imports Django or the app until a hook needs it, and receiver failures are only
watched once the app's signals module has been imported, so projects that do not use this
app (or Django) in a test are unaffected.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from powercrud_signals.testing import (
    CapturedEvents,
    ReceiverFailure,
    capture_events,
    persistence_off,
)

OPTION = "--powercrud-signals-no-persistence"
INI = "powercrud_signals_persistence"
MARKER = "persistence_off"

_session_switch = pytest.StashKey[ExitStack]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("powercrud-signals")
    group.addoption(
        OPTION,
        action="store_true",
        default=False,
        help="Turn the powercrud-signals persistence receiver off for the whole run.",
    )
    parser.addini(
        INI,
        type="bool",
        default=True,
        help="false turns the powercrud-signals persistence receiver off for the whole run.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}: turn the powercrud-signals persistence receiver off for this test "
        "(other receivers still fire).",
    )


def _persistence_off_for_run(config: pytest.Config) -> bool:
    return bool(config.getoption(OPTION)) or not config.getini(INI)


def pytest_sessionstart(session: pytest.Session) -> None:
    if _persistence_off_for_run(session.config):
        stack = ExitStack()
        stack.enter_context(persistence_off())
        session.config.stash[_session_switch] = stack


def pytest_sessionfinish(session: pytest.Session) -> None:
    stack = session.config.stash.get(_session_switch, None)
    if stack is not None:
        stack.close()
        del session.config.stash[_session_switch]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, Any, Any]:
    if item.get_closest_marker(MARKER) is None:
        return (yield)
    with persistence_off():
        return (yield)


# ----------------------------------------------------------------- receiver failures


def _raise_receiver_errors() -> bool:
    from powercrud_signals.conf import app_settings

    try:
        return app_settings.raise_receiver_errors
    except Exception:  # settings not configured: nothing to enforce
        return False


# PowerCRUD catches (and only logs) whatever its lifecycle hook raises, and django-q2 runs the
# bridge's handlers, which catch theirs: a ReceiverError raised below them never reaches the
# test.  One raised from a direct call (send_event, emit_lifecycle_signal) does, and the test
# either fails with it or expects it (pytest.raises), so the plugin leaves those alone.
_CATCHING_PACKAGES = ("powercrud", "django_q")


def _sent_on_behalf_of_a_catcher() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if isinstance(module, str) and module.partition(".")[0] in _CATCHING_PACKAGES:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


class _FailureWatch:
    """Receiver failures reported while ``RAISE_RECEIVER_ERRORS`` was on, during one phase."""

    def __init__(self) -> None:
        self.failures: list[ReceiverFailure] = []
        self._uid = f"powercrud_signals.pytest_plugin:{id(self)}"

    def __enter__(self) -> _FailureWatch:
        # Only once the app is loaded: importing it here would need Django settings.
        if "powercrud_signals.signals" in sys.modules:
            from powercrud_signals.signals import receiver_failed

            receiver_failed.connect(self._record, weak=False, dispatch_uid=self._uid)
        return self

    def __exit__(self, *exc: object) -> None:
        if "powercrud_signals.signals" in sys.modules:
            from powercrud_signals.signals import receiver_failed

            receiver_failed.disconnect(dispatch_uid=self._uid)

    def _record(
        self, sender: Any, event: Any, receiver: str, exception: BaseException, **kwargs: Any
    ) -> None:
        if _raise_receiver_errors() and _sent_on_behalf_of_a_catcher():
            self.failures.append(
                ReceiverFailure(receiver=receiver, exception=exception, event=event)
            )

    def report(self, phase: str) -> str:
        lines = [f"{len(self.failures)} lifecycle receiver(s) raised during {phase}:"]
        for failure in self.failures:
            lines.append(f"  {failure.describe()}")
        first = self.failures[0].exception
        lines.append("")
        lines.extend(
            line.rstrip("\n")
            for line in traceback.format_exception(type(first), first, first.__traceback__)
        )
        return "\n".join(lines)


def _watch_phase(phase: str) -> Generator[None, Any, Any]:
    with _FailureWatch() as watch:
        result = yield
    if watch.failures:
        pytest.fail(watch.report(phase), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _watch_phase("setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _watch_phase("the test"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, Any, Any]:
    return (yield from _watch_phase("teardown"))


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def lifecycle_events() -> Iterator[CapturedEvents]:
    """Every lifecycle event sent in this process during the test, in order."""
    with capture_events() as captured:
        yield captured


@pytest.fixture
def no_persistence() -> Iterator[None]:
    """The persistence receiver is off for the test; every other receiver still fires."""
    with persistence_off():
        yield
