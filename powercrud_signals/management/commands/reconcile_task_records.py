"""``manage.py reconcile_task_records``: settle dashboard rows stuck in flight."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from powercrud_signals.management.commands._options import (
    add_settle_arguments,
    timing_from,
    write_report,
)
from powercrud_signals.operations.reconcile import reconcile_records


class Command(BaseCommand):
    help = (
        "Find tasks the dashboard shows in flight (or is missing) that django-q2 has finished "
        "or lost, and finish them through the event pipeline: a finished task's completion "
        "is replayed, a lost one is failed with reason 'abandoned'.  Tasks still queued or "
        "possibly running are left alone."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_settle_arguments(parser)
        parser.add_argument(
            "--lookback-hours",
            type=float,
            default=24.0,
            help="Also check PowerCRUD tasks django-q2 finished in this window for a "
            "missing or unfinished dashboard row (default 24).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        timing = timing_from(options)
        if options["lookback_hours"] < 0:
            raise CommandError("--lookback-hours must not be negative")
        report = reconcile_records(
            timing,
            dry_run=options["dry_run"],
            lookback=timedelta(hours=options["lookback_hours"]),
            finish_grace=timedelta(seconds=options["finish_grace"]),
        )
        write_report(self, report, options["json"], "Reconciled dashboard rows")
