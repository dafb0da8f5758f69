"""``manage.py cleanup_async_tasks``: release PowerCRUD locks and progress of finished tasks.

A replacement for PowerCRUD's ``pcrud_cleanup_async``, which builds the base ``AsyncManager``
(so no receiver hears of the cleanup) and releases the locks of every task without a django-q2
``Task`` row, which includes every task still queued or running.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from powercrud_signals.management.commands._options import (
    add_settle_arguments,
    timing_from,
    write_report,
)
from powercrud_signals.operations.reconcile import cleanup_active_tasks


class Command(BaseCommand):
    help = (
        "Release the locks and progress keys of PowerCRUD tasks that have finished or were "
        "lost, through the configured signal-emitting manager.  Queued and running tasks "
        "keep theirs."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_settle_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from powercrud.conf import get_powercrud_setting

        timing = timing_from(options)
        if not get_powercrud_setting("ASYNC_ENABLED", False):
            self.stdout.write(
                self.style.WARNING(
                    "PowerCRUD async features are disabled (POWERCRUD_SETTINGS['ASYNC_ENABLED']); "
                    "nothing to clean up."
                )
            )
            return
        report = cleanup_active_tasks(
            timing,
            dry_run=options["dry_run"],
            finish_grace=timedelta(seconds=options["finish_grace"]),
        )
        write_report(self, report, options["json"], "Cleaned up PowerCRUD tasks")
