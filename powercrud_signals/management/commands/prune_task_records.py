"""``manage.py prune_task_records``: retention for the dashboard table."""

from __future__ import annotations

import json
from argparse import ArgumentParser, ArgumentTypeError
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from powercrud_signals.events import Status
from powercrud_signals.operations.records import dashboard_table
from powercrud_signals.operations.retention import prune

MAX_DAYS = 36_500


def days(value: str) -> float | None:
    """A non-negative number of days, or ``never``."""
    if value.strip().lower() == "never":
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"{value!r} is not a number of days or 'never'") from exc
    if number < 0 or number != number:
        raise ArgumentTypeError("days must not be negative")
    if number > MAX_DAYS:  # beyond what a timedelta (and so a cut-off date) can hold
        raise ArgumentTypeError(f"days must be at most {MAX_DAYS}; use 'never' to keep forever")
    return number


class Command(BaseCommand):
    help = (
        "Delete finished dashboard rows older than an age per status (successes sooner than "
        "failures), in batches.  Rows of queued or running tasks are never deleted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--success-days",
            type=days,
            default=7.0,
            help="Keep successful tasks this many days, or 'never' (default 7).",
        )
        parser.add_argument(
            "--failed-days",
            type=days,
            default=30.0,
            help="Keep failed tasks this many days, or 'never' (default 30).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Rows deleted per statement (default 1000).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        table = dashboard_table()
        if table is None:
            self.stdout.write(
                self.style.WARNING(
                    "Persistence is disabled (POWERCRUD_SIGNALS['PERSISTENCE']['ENABLED']); "
                    "nothing to prune."
                )
            )
            return
        max_age = {
            Status.SUCCESS.value: _age(options["success_days"]),
            Status.FAILED.value: _age(options["failed_days"]),
        }
        report = prune(table, max_age, batch_size=options["batch_size"], dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, sort_keys=True))
            return
        verb = "would delete" if report.dry_run else "deleted"
        prefix = "[dry run] " if report.dry_run else ""
        self.stdout.write(f"{prefix}{table.model._meta.label}: {verb} {report.total} row(s)")
        for status, count in report.counts.items():
            self.stdout.write(f"  {status}: {count} (finished before {report.cutoffs[status]})")


def _age(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(days=value)
