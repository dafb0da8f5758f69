"""System checks: each id, with its message, and a clean check on the test settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from powercrud_signals import checks

SIGNAL_MANAGER = {"manager_class": "powercrud_signals.manager.SignalAsyncManager"}


def ids(messages: list[Any]) -> list[str]:
    return [m.id for m in messages]


@pytest.mark.django_db  # JSONField's check asks SQLite for its JSON support
def test_the_test_settings_pass_every_check() -> None:
    call_command("check", fail_level="WARNING")


def test_absent_setting_is_fine() -> None:
    with override_settings():
        from django.conf import settings

        del settings.POWERCRUD_SIGNALS
        assert checks.check_settings() == []


@override_settings(POWERCRUD_SIGNALS=["not", "a", "dict"])
def test_e001_not_a_dict() -> None:
    assert ids(checks.check_settings()) == ["powercrud_signals.E001"]


@override_settings(POWERCRUD_SIGNALS={"RECIEVERS": [], "PERSISTENCE": {"ENABLD": True}})
def test_e002_unknown_keys_top_level_and_nested() -> None:
    messages = checks.check_settings()
    assert ids(messages) == ["powercrud_signals.E002", "powercrud_signals.E002"]
    assert "'RECIEVERS'" in messages[0].msg and "RECEIVERS" in messages[0].hint
    assert "'ENABLD'" in messages[1].msg and "ENABLED" in messages[1].hint


@pytest.mark.parametrize(
    "value",
    [
        {"RAISE_RECEIVER_ERRORS": "yes"},
        {"MAX_VALUE_CHARS": 3},
        {"MAX_VALUE_CHARS": True},
        {"REDACT_KEYS": "password"},
        {"RECEIVERS": "tests.receivers.append_event_line"},
        {"PERSISTENCE": {"PROGRESS_INTERVAL": -1}},
        {"PERSISTENCE": {"MODEL": "TaskRecord"}},
        {"PERSISTENCE": {"FIELD_MAP": {"status": 3}}},
        {"PERSISTENCE": []},
        {"FORMATTERS": {"user": 42}},
    ],
)
def test_e003_wrong_types(value: dict[str, Any]) -> None:
    with override_settings(POWERCRUD_SIGNALS=value):
        messages = checks.check_settings()
    assert ids(messages) == ["powercrud_signals.E003"]
    assert "Default:" in messages[0].hint


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("tests.receivers.missing", "cannot be imported"),
        ("no_such_module.receiver", "cannot be imported"),
        (
            {"receiver": "tests.receivers.append_event_line", "signals": ["task_exploded"]},
            "unknown signal",
        ),
        ({"signals": ["task_failed"]}, "must be a dotted path"),
        ("tests.settings.SECRET_KEY", "not callable"),
    ],
)
def test_e004_receiver_entries_name_the_problem(entry: Any, fragment: str) -> None:
    with override_settings(POWERCRUD_SIGNALS={"RECEIVERS": [entry]}):
        messages = checks.check_receivers()
    assert ids(messages) == ["powercrud_signals.E004"]
    assert fragment in messages[0].msg


@override_settings(
    POWERCRUD_SIGNALS={
        "FORMATTERS": {"user": "no.such.formatter", "affected": "tests.settings.SECRET_KEY"}
    }
)
def test_e005_formatters() -> None:
    messages = checks.check_formatters()
    assert ids(messages) == ["powercrud_signals.E005", "powercrud_signals.E005"]
    assert "no.such.formatter" in messages[0].msg and "not callable" in messages[1].msg


@override_settings(POWERCRUD_SETTINGS={"CACHE_NAME": "default"})
def test_w001_powercrud_not_pointed_at_a_signal_manager() -> None:
    assert ids(checks.check_powercrud_manager()) == ["powercrud_signals.W001"]


@pytest.mark.parametrize(
    ("manager", "expected"),
    [
        ({"manager_class": "no.such.Manager"}, "powercrud_signals.E006"),
        ({"manager_class": "powercrud.async_manager.AsyncManager"}, "powercrud_signals.E007"),
        ({"manager_class": "tests.test_checks.ExplodingManager"}, "powercrud_signals.E008"),
        ({**SIGNAL_MANAGER, "config": {"extra": {}}}, None),
    ],
)
def test_e006_to_e008_manager_problems(manager: dict[str, Any], expected: str | None) -> None:
    with override_settings(POWERCRUD_SETTINGS={"ASYNC_MANAGER_DEFAULT": manager}):
        assert ids(checks.check_powercrud_manager()) == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("caches", "cache_name"),
    [
        ({"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}, "default"),
        ({"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}, "default"),
        (
            {
                "default": {
                    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                    "LOCATION": "x",
                }
            },
            "missing",
        ),
    ],
)
def test_e009_process_local_or_missing_cache(caches: dict[str, Any], cache_name: str) -> None:
    with override_settings(CACHES=caches, POWERCRUD_SETTINGS={"CACHE_NAME": cache_name}):
        assert ids(checks.check_powercrud_cache()) == ["powercrud_signals.E009"]


def test_e010_django_q_missing() -> None:
    from django.conf import settings

    apps = [a for a in settings.INSTALLED_APPS if a != "django_q"]
    with override_settings(INSTALLED_APPS=apps):
        assert ids(checks.check_django_q_installed()) == ["powercrud_signals.E010"]


from powercrud_signals.manager import SignalAsyncManager  # noqa: E402


class ExplodingManager(SignalAsyncManager):
    def __init__(self, config: Any = None) -> None:
        raise RuntimeError("cannot build")
