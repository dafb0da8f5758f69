"""The example of docs/operations.md does what the page says."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_q.models import Schedule
from yourproject import maintenance_migration

pytestmark = pytest.mark.django_db

# The schedules come with the operations work (branch ops); until it is merged there is
# nothing to schedule.
schedules = pytest.importorskip(
    "powercrud_signals.schedules", reason="powercrud_signals.schedules (branch ops) not merged yet"
)
SCHEDULE_NAMES = schedules.SCHEDULE_NAMES


def test_migration_depends_on_a_real_django_q_migration() -> None:
    graph = MigrationLoader(connection).graph
    django_q = [dep for dep in maintenance_migration.Migration.dependencies if dep[0] == "django_q"]
    assert django_q and all(dep in graph.nodes for dep in django_q)


def test_running_the_migration_twice_creates_the_three_schedules_once() -> None:
    maintenance_migration.schedule_maintenance(None, None)
    maintenance_migration.schedule_maintenance(None, None)
    names = set(SCHEDULE_NAMES.values())
    assert len(names) == 3
    assert Schedule.objects.filter(name__in=names).count() == 3
    reconcile = Schedule.objects.get(name=SCHEDULE_NAMES["reconcile"])
    assert (reconcile.schedule_type, reconcile.minutes) == (Schedule.MINUTES, 5)
