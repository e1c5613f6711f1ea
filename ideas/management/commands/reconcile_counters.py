"""Recount the idea counters now (what the nightly task does), and print the report."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ideas.reconcile import stats_reconcile


class Command(BaseCommand):
    help = "Recount votes, comments and followers of every idea; report the drift and repair it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="report the drift without repairing it")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        report = stats_reconcile(dry_run=dry_run)
        style = self.style.WARNING if report.ideas_drifted else self.style.SUCCESS
        self.stdout.write(style(str(report)))
