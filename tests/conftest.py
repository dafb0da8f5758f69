"""Shared fixtures: services the suite needs, and a real django-q2 cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.cluster import EventLog, Q2Cluster, event_log_env
from tests.receivers import EVENT_LOG_ENV

REQUIRE_SERVICES_ENV = "POWERCRUD_SIGNALS_REQUIRE_SERVICES"


def require_service(available: bool, what: str) -> None:
    """Skip when a service is missing, saying so; fail instead when CI demands every service."""
    if available:
        return
    message = f"{what} is not available here"
    if os.environ.get(REQUIRE_SERVICES_ENV):
        pytest.fail(f"{message}, and {REQUIRE_SERVICES_ENV} is set (CI runs every test)")
    pytest.skip(message)


@pytest.fixture
def postgres_alias() -> str:
    require_service(
        getattr(settings, "POSTGRES_AVAILABLE", False),
        f"PostgreSQL at {settings.PG_HOST}:{settings.PG_PORT}",
    )
    return "postgres"


@pytest.fixture(scope="session")
def cluster_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cluster")


@pytest.fixture(scope="session")
def event_log(cluster_dir: Path) -> Iterator[EventLog]:
    """Events sent by every process (this one included) while the fixture is active."""
    path = cluster_dir / "events.jsonl"
    previous = os.environ.get(EVENT_LOG_ENV)
    os.environ[EVENT_LOG_ENV] = str(path)
    try:
        yield EventLog(path)
    finally:
        if previous is None:
            os.environ.pop(EVENT_LOG_ENV, None)
        else:
            os.environ[EVENT_LOG_ENV] = previous


@pytest.fixture(scope="session")
def q2_cluster(
    django_db_setup: None, django_db_blocker: object, cluster_dir: Path, event_log: EventLog
) -> Iterator[Q2Cluster]:
    """A real ``qcluster`` (ORM broker on the SQLite test database, DB cache), shared by the
    session.  Tests that use it need ``@pytest.mark.django_db(transaction=True)`` so what they
    write is committed where the cluster can see it."""
    cluster = Q2Cluster(cluster_dir, env=event_log_env(event_log.path)).start()
    try:
        yield cluster
    finally:
        cluster.stop()
