"""Options and output shared by the reconcile and cleanup commands."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from powercrud_signals.operations.q2_state import Timing
from powercrud_signals.operations.reconcile import Report


def add_settle_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--margin",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="Slack added to the cluster timeout before a task django-q2 no longer has "
        "counts as abandoned (default 60).",
    )
    parser.add_argument(
        "--max-runtime",
        type=float,
        default=None,
        metavar="SECONDS",
        help="Longest a task may run; default: Q_CLUSTER['timeout'].  Needed when the "
        "cluster has no timeout, else running tasks are never declared abandoned.",
    )
    parser.add_argument(
        "--finish-grace",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="Leave tasks django-q2 finished less than this long ago to their completion "
        "hook (default 60).",
    )
    parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")


def timing_from(options: dict[str, Any]) -> Timing:
    for name in ("margin", "max_runtime", "finish_grace"):
        value = options.get(name)
        if value is not None and value < 0:
            raise CommandError(f"--{name.replace('_', '-')} must not be negative")
    return Timing.from_cluster(margin=options["margin"], max_runtime=options["max_runtime"])


def write_report(command: BaseCommand, report: Report, as_json: bool, title: str) -> None:
    if as_json:
        command.stdout.write(json.dumps(report.as_dict(), indent=2, sort_keys=True))
        return
    data = report.as_dict()
    prefix = "[dry run] " if report.dry_run else ""
    command.stdout.write(
        f"{prefix}{title}: {data['inspected']} task(s) inspected ({report.broker} broker)"
    )
    for action, count in data["counts"].items():
        command.stdout.write(f"  {action}: {count}")
    for outcome in report.outcomes:
        style = command.style.NOTICE if outcome.action == "skipped" else command.style.SUCCESS
        command.stdout.write(style(f"  - {outcome.task_name}: {outcome.action} ({outcome.reason})"))
