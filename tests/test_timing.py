"""Durations from what events carry (powercrud_signals.receivers.timing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from powercrud_signals.events import EventKind, LifecycleEvent, Status
from powercrud_signals.receivers.timing import StartTimes, durations_for, parse_instant

QUEUED = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)


def event(kind: EventKind, at: datetime, **extra: str) -> LifecycleEvent:
    status = {EventKind.STARTED: Status.IN_PROGRESS, EventKind.COMPLETE: Status.SUCCESS}.get(kind)
    return LifecycleEvent(kind=kind, task_name="t", status=status, timestamp=at, extra=extra)


def test_parse_instant_accepts_iso_text_and_datetimes_and_rejects_the_rest() -> None:
    assert parse_instant("2026-01-01T10:00:00+00:00") == QUEUED
    naive = parse_instant("2026-01-01T10:00:00")
    assert naive is not None and naive.tzinfo is not None  # made aware (TIME_ZONE is UTC)
    assert parse_instant(QUEUED) == QUEUED
    assert parse_instant("yesterday") is None
    assert parse_instant(None) is None and parse_instant(1767261600) is None


def test_queue_wait_run_and_total_in_one_process() -> None:
    starts = StartTimes()
    queued = {"queued_at": QUEUED.isoformat()}
    started = durations_for(
        event(EventKind.STARTED, QUEUED + timedelta(seconds=2), **queued), starts
    )
    assert started.as_dict() == {"queue_wait_seconds": 2.0}
    finished = {**queued, "finished_at": (QUEUED + timedelta(seconds=7)).isoformat()}
    done = durations_for(
        event(EventKind.COMPLETE, QUEUED + timedelta(seconds=8), **finished), starts
    )
    assert done.as_dict() == {"run_seconds": 5.0, "total_seconds": 7.0}
    assert len(starts) == 0


def test_a_process_that_did_not_see_the_start_only_knows_the_total() -> None:
    finished = {
        "queued_at": QUEUED.isoformat(),
        "finished_at": (QUEUED + timedelta(seconds=3)).isoformat(),
    }
    done = durations_for(event(EventKind.COMPLETE, QUEUED, **finished), StartTimes())
    assert done.as_dict() == {"total_seconds": 3.0}


def test_clock_skew_never_gives_a_negative_duration() -> None:
    ahead = {"queued_at": (QUEUED + timedelta(seconds=1)).isoformat()}
    assert (
        durations_for(event(EventKind.STARTED, QUEUED, **ahead), StartTimes()).queue_wait_seconds
        == 0.0
    )


def test_start_times_are_bounded() -> None:
    starts = StartTimes(limit=3)
    for index in range(5):
        starts.remember(f"t{index}", QUEUED)
    assert len(starts) == 3
    assert starts.pop("t0") is None and starts.pop("t4") == QUEUED


def test_naive_event_timestamps_give_durations_under_use_tz_false(settings: object) -> None:
    """With USE_TZ = False, timezone.now() (an event's default timestamp) is naive while
    parse_instant() makes the extras aware: the two must still subtract."""
    settings.USE_TZ = False  # type: ignore[attr-defined]
    starts = StartTimes()
    naive_queued = QUEUED.replace(tzinfo=None)
    queued = {"queued_at": naive_queued.isoformat()}
    started = durations_for(
        event(EventKind.STARTED, naive_queued + timedelta(seconds=2), **queued), starts
    )
    assert started.as_dict() == {"queue_wait_seconds": 2.0}
    finished = {**queued, "finished_at": (naive_queued + timedelta(seconds=7)).isoformat()}
    done = durations_for(
        event(EventKind.COMPLETE, naive_queued + timedelta(seconds=8), **finished), starts
    )
    assert done.as_dict() == {"run_seconds": 5.0, "total_seconds": 7.0}
