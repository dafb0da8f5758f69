"""The pure rules of powercrud_signals.events: kinds, statuses, precedence, progress, building."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from powercrud_signals.events import (
    EventKind,
    LifecycleEvent,
    Status,
    build_event,
    coerce_kind,
    coerce_status,
    parse_progress,
    status_rank,
    supersedes,
)
from powercrud_signals.payloads import PayloadPolicy

POLICY = PayloadPolicy()
S = Status


class TestKindsAndStatuses:
    def test_powercrud_event_names_map_to_kinds(self) -> None:
        assert [coerce_kind(n) for n in ("create", "progress", "complete", "fail", "cleanup")] == [
            EventKind.CREATE,
            EventKind.PROGRESS,
            EventKind.COMPLETE,
            EventKind.FAIL,
            EventKind.CLEANUP,
        ]

    def test_error_is_an_alias_of_fail_and_unknown_names_are_none(self) -> None:
        assert coerce_kind("error") is EventKind.FAIL
        assert coerce_kind("exploded") is None
        assert coerce_kind(None) is None
        assert coerce_kind(3) is None

    def test_statuses_accept_powercrud_values_only(self) -> None:
        assert coerce_status("in_progress") is Status.IN_PROGRESS
        assert coerce_status(None) is None
        assert coerce_status("weird") is None
        assert coerce_status(1) is None

    def test_rank_orders_pending_running_terminal(self) -> None:
        assert [status_rank(s) for s in (None, S.PENDING, S.IN_PROGRESS, S.SUCCESS, S.FAILED)] == [
            -1,
            0,
            1,
            2,
            2,
        ]


class TestSupersedes:
    @pytest.mark.parametrize(
        ("incoming", "current", "expected"),
        [
            (S.IN_PROGRESS, S.PENDING, True),
            (S.SUCCESS, S.IN_PROGRESS, True),
            (S.FAILED, S.PENDING, True),
            (S.PENDING, S.SUCCESS, False),  # late create keeps success
            (S.IN_PROGRESS, S.SUCCESS, False),  # late progress keeps success
            (S.IN_PROGRESS, S.FAILED, False),
            (S.SUCCESS, S.FAILED, False),  # first terminal outcome of an attempt stands
            (S.FAILED, S.SUCCESS, False),
            (S.IN_PROGRESS, S.IN_PROGRESS, False),  # duplicate: no change
            (None, S.PENDING, False),  # cleanup carries no status
            (S.PENDING, None, True),
        ],
    )
    def test_within_one_attempt_status_only_moves_forward(
        self, incoming: Status | None, current: Status | None, expected: bool
    ) -> None:
        assert supersedes(incoming, 1, current, 1) is expected
        assert supersedes(incoming, None, current, 1) is expected  # unknown attempt: same rule

    def test_later_attempt_replaces_earlier_terminal_outcome(self) -> None:
        assert supersedes(S.IN_PROGRESS, 2, S.FAILED, 1) is True
        assert supersedes(S.SUCCESS, 2, S.FAILED, 1) is True

    def test_earlier_attempt_never_replaces_a_later_one(self) -> None:
        assert supersedes(S.FAILED, 1, S.IN_PROGRESS, 2) is False
        assert supersedes(S.SUCCESS, 1, S.PENDING, 2) is False

    def test_final_status_is_independent_of_arrival_order(self) -> None:
        history = [
            (S.PENDING, None),
            (S.IN_PROGRESS, 1),
            (S.IN_PROGRESS, 1),
            (S.SUCCESS, 1),
            (None, 1),
        ]
        finals = set()
        for order in itertools.permutations(history):
            status, attempt = None, None
            for incoming, incoming_attempt in order:
                if supersedes(incoming, incoming_attempt, status, attempt):
                    status = incoming
                    attempt = incoming_attempt if incoming_attempt is not None else attempt
            finals.add(status)
        assert finals == {S.SUCCESS}


class TestParseProgress:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("updating: 5/1000", (5, 1000)),
            ("deleting: 1000 / 1000", (1000, 1000)),
            ("completed update: 1000 processed", (None, None)),
            ("starting update", (None, None)),
            ("0/0", (None, None)),
            ("7/3", (None, None)),  # more done than the total: not a fraction
            ("", (None, None)),
            (None, (None, None)),
            ("9" * 30 + "/" + "9" * 31, (None, None)),
        ],
    )
    def test_first_fraction_is_parsed(
        self, text: str | None, expected: tuple[int | None, int | None]
    ) -> None:
        assert parse_progress(text) == expected


class TestBuildEvent:
    def test_progress_payload_becomes_progress_fields(self) -> None:
        event = build_event(
            EventKind.PROGRESS,
            "t-1",
            {
                "status": "in_progress",
                "message": "updating: 3/4",
                "progress_payload": "updating: 3/4",
            },
            policy=POLICY,
            manager="m.M",
        )
        assert (event.kind, event.status, event.progress) == (
            EventKind.PROGRESS,
            S.IN_PROGRESS,
            "updating: 3/4",
        )
        assert (event.progress_current, event.progress_total) == (3, 4)
        assert event.manager == "m.M"
        assert event.timestamp.tzinfo is not None

    def test_unknown_status_is_kept_in_extra_and_unknown_payload_keys_too(self) -> None:
        event = build_event(
            EventKind.COMPLETE, "t", {"status": "weird", "custom": {1, 2}}, policy=POLICY
        )
        assert event.status is None
        assert event.extra == {"raw_status": "weird", "custom": [1, 2]}

    def test_q2_id_comes_from_powercrud_payload_then_context(self) -> None:
        from_payload = build_event(
            EventKind.CREATE,
            "t",
            {"django_q2_task_id": "abc"},
            policy=POLICY,
            context={"q2_task_id": "ctx"},
        )
        from_context = build_event(
            EventKind.CREATE, "t", {}, policy=POLICY, context={"q2_task_id": "ctx", "attempt": 2}
        )
        assert from_payload.q2_task_id == "abc"
        assert (from_context.q2_task_id, from_context.attempt) == ("ctx", 2)

    def test_naive_timestamp_is_made_aware_and_garbage_is_replaced(self) -> None:
        naive = dt.datetime(2026, 1, 2, 3, 4, 5)
        event = build_event(EventKind.CREATE, "t", {"timestamp": naive}, policy=POLICY)
        assert event.timestamp.tzinfo is not None
        assert event.timestamp.replace(tzinfo=None) == naive
        garbage = build_event(EventKind.CREATE, "t", {"timestamp": "yesterday"}, policy=POLICY)
        assert isinstance(garbage.timestamp, dt.datetime) and garbage.timestamp.tzinfo is not None

    def test_timestamp_is_aware_under_use_tz_false(self, settings: Any) -> None:
        """The contract says aware: with USE_TZ = False timezone.now() is naive, and an
        event without a timestamp of its own (``started``) must not mix with aware ones."""
        settings.USE_TZ = False
        event = build_event(EventKind.STARTED, "t", {}, policy=POLICY)
        assert event.timestamp.tzinfo is not None
        given = build_event(
            EventKind.CREATE, "t", {"timestamp": dt.datetime(2026, 1, 2, 3, 4, 5)}, policy=POLICY
        )
        assert given.timestamp.tzinfo is not None

    def test_progress_object_with_a_raising_eq_still_gives_an_event(self) -> None:
        """Comparing the message text with a progress object called the object's __eq__
        (str's own comparison returns NotImplemented), which may raise."""

        class RaisingEq:
            def __eq__(self, other: object) -> bool:
                raise RuntimeError("eq")

            __hash__ = object.__hash__

            def __str__(self) -> str:
                return "3/4 done"

        event = build_event(
            EventKind.PROGRESS, "t", {"message": "", "progress_payload": RaisingEq()}, policy=POLICY
        )
        assert (event.progress, event.progress_current, event.message) == ("3/4 done", 3, "")

    def test_args_kwargs_result_are_safe_and_redacted(self) -> None:
        event = build_event(
            EventKind.CREATE,
            "t",
            {
                "task_args": (1, "two"),
                "task_kwargs": {"password": "hunter2", "n": 3},
                "result": b"ok",
            },
            policy=POLICY,
        )
        assert event.task_args == [1, "two"]
        assert event.task_kwargs == {"password": "********", "n": 3}
        assert event.result == "ok"

    def test_secret_in_message_is_masked(self) -> None:
        event = build_event(
            EventKind.FAIL,
            "t",
            {"message": "login failed for postgres://app:s3cr3t@db/x with token=abcdef123"},
            policy=POLICY,
        )
        assert "s3cr3t" not in event.message and "abcdef123" not in event.message
        assert event.message == "login failed for postgres://app:********@db/x with token=********"

    def test_secret_in_progress_text_is_masked_in_progress_and_message(self) -> None:
        text = "syncing with api_key=sk-live-123456 3/10"
        event = build_event(
            EventKind.PROGRESS, "t", {"message": text, "progress_payload": text}, policy=POLICY
        )
        assert event.progress == event.message == "syncing with api_key=******** 3/10"
        assert (event.progress_current, event.progress_total) == (3, 10)

    def test_non_string_task_name_and_bool_attempt_are_made_safe(self) -> None:
        event = build_event(EventKind.CREATE, 12345, {"attempt": True}, policy=POLICY)
        assert event.task_name == "12345"
        assert event.attempt is None

    def test_event_is_frozen_and_as_dict_is_json_ready(self) -> None:
        import json

        event = LifecycleEvent(kind=EventKind.CLEANUP, task_name="t")
        with pytest.raises(AttributeError):
            event.status = S.SUCCESS  # type: ignore[misc]
        data = event.as_dict()
        assert json.loads(json.dumps(data))["kind"] == "cleanup"
        assert data["status"] is None and not event.is_terminal
