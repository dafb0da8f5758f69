"""What django-q2's own records say about a task: finished, still queued, or neither.

django-q2 writes a ``Task`` row only when a task *finishes* (the monitor saves the result and
the row's ``post_save`` runs the completion hook).  Until then the task lives in the broker:
an ``OrmQ`` row for the ORM broker (kept, with a ``lock`` in the future, while a worker has
it, and redelivered once the lock expires), a list entry for Redis (removed when a cluster
takes it).  A task with neither a ``Task`` row nor a queued package is running in some
worker, waiting in a cluster's in-memory queue, or lost with a killed worker; only its age
can tell those apart, which is what :class:`Timing` decides.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

logger = logging.getLogger("powercrud_signals.operations")


class QueueState(StrEnum):
    """Where django-q2 has a task."""

    FINISHED = "finished"
    """A ``Task`` row exists and no package is queued: django-q2 is done with it."""
    QUEUED = "queued"
    """A package is in the broker (waiting, reserved by a worker, or due for redelivery)."""
    ABSENT = "absent"
    """No ``Task`` row and no queued package: running, in a cluster's memory, or lost."""
    UNKNOWN = "unknown"
    """The broker cannot be listed, so "not queued" cannot be established."""


@dataclass(frozen=True)
class BrokerSnapshot:
    """Task names with a package in the broker at one moment, or None when unlistable."""

    names: frozenset[str] | None
    broker: str

    def state_of(self, task_name: str, finished: bool) -> QueueState:
        if self.names is None:
            return QueueState.FINISHED if finished else QueueState.UNKNOWN
        if task_name in self.names:
            return QueueState.QUEUED
        return QueueState.FINISHED if finished else QueueState.ABSENT


def snapshot_broker() -> BrokerSnapshot:
    """List the task names queued in the configured broker (ORM or Redis; others: unknown).

    Read *before* the ``Task`` table, so that a task moving from the queue to a ``Task`` row
    in between is seen in at least one of the two.
    """
    from django_q.brokers import get_broker
    from django_q.brokers.orm import ORM
    from django_q.brokers.redis_broker import Redis

    broker = get_broker()
    kind = type(broker).__name__
    try:
        if isinstance(broker, ORM):
            payloads: Iterable[Any] = broker.get_connection().values_list("payload", flat=True)
            return BrokerSnapshot(frozenset(_names(payloads)), kind)
        if isinstance(broker, Redis):
            return BrokerSnapshot(frozenset(_names(_redis_payloads(broker))), kind)
    except Exception:
        logger.warning("broker_unreadable broker=%s", kind, exc_info=True)
        return BrokerSnapshot(None, kind)
    logger.info("broker_not_listable broker=%s", kind)
    return BrokerSnapshot(None, kind)


def _redis_payloads(broker: Any) -> Iterable[Any]:
    # Every queue of this site (clusters may serve different queue names).
    connection = broker.connection
    for key in connection.scan_iter(match="django_q:*:q", count=100):
        if connection.type(key) in (b"list", "list"):
            yield from connection.lrange(key, 0, -1)


def _names(payloads: Iterable[Any]) -> Iterable[str]:
    from django_q.signing import SignedPackage

    for payload in payloads:
        try:
            package = SignedPackage.loads(payload)
        except Exception:
            continue  # another site's package (different key) or garbage: not ours
        if isinstance(package, dict) and package.get("name") is not None:
            yield str(package["name"])


def finished_tasks(task_names: Iterable[str]) -> dict[str, Any]:
    """django-q2 ``Task`` rows by name, for the names that have one."""
    from django_q.models import Task

    names = list(dict.fromkeys(task_names))
    found: dict[str, Any] = {}
    for start in range(0, len(names), 500):
        for task in Task.objects.filter(name__in=names[start : start + 500]).order_by("stopped"):
            found[task.name] = task  # the most recently stopped one wins
    return found


@dataclass(frozen=True)
class Timing:
    """How long a task may legitimately go unseen by django-q2's tables before it is lost.

    ``max_runtime``: the longest a started task may run (the cluster ``timeout``; django-q2
    kills a worker past it and records a failure, so a started task older than this plus
    ``margin`` with no ``Task`` row was lost).  None means tasks may run forever, so started
    tasks are never declared abandoned.

    ``max_wait``: how long a task taken off the broker may wait in a cluster's in-memory
    queue before a worker starts it (``queue_limit`` tasks shared by ``workers`` workers,
    each running at most ``max_runtime``).
    """

    max_runtime: float | None
    max_wait: float | None
    margin: float

    @classmethod
    def from_cluster(cls, margin: float, max_runtime: float | None = None) -> Timing:
        from django_q.conf import Conf

        runtime = max_runtime if max_runtime is not None else _positive(Conf.TIMEOUT)
        workers = max(1, int(Conf.WORKERS or 1))
        queue_limit = max(0, int(Conf.QUEUE_LIMIT or 0))
        wait = None if runtime is None else runtime * math.ceil(queue_limit / workers)
        return cls(max_runtime=runtime, max_wait=wait, margin=margin)

    def abandoned_since(
        self, started_at: datetime | None, absent_since: datetime | None
    ) -> datetime | None:
        """The moment after which a task django-q2 no longer has counts as lost, if known.

        ``started_at``: when a worker started it.  ``absent_since``: for a task never seen
        starting, when it was first found missing from both the broker and the ``Task``
        table (its queue time would not do: it may have waited in the broker for hours and
        been taken by a cluster a second ago).
        """
        if self.max_runtime is None:
            return None
        if started_at is not None:
            return started_at + timedelta(seconds=self.max_runtime + self.margin)
        if absent_since is not None and self.max_wait is not None:
            wait = self.max_wait + self.max_runtime + self.margin
            return absent_since + timedelta(seconds=wait)
        return None

    def is_abandoned(
        self, started_at: datetime | None, absent_since: datetime | None, now: datetime
    ) -> bool:
        deadline = self.abandoned_since(started_at, absent_since)
        return deadline is not None and deadline < now


def _positive(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None
