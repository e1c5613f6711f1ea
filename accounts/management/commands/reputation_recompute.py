"""Rebuild members' point totals from the ledger, and say which ones were wrong."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.reputation import reputation_recompute
from community.models import Community


class Command(BaseCommand):
    help = "Recompute reputation totals from the point events (one community with --community, else all)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--community", metavar="SLUG", help="only this community")

    def handle(self, *args, community: str | None = None, **options) -> None:
        target = None
        if community:
            target = Community.objects.filter(slug=community).first()
            if target is None:
                raise CommandError(f"No community with the slug {community!r}.")
        changes: list[tuple[int, int, int, int]] = []
        count = reputation_recompute(target, on_change=lambda *change: changes.append(change))
        usernames = dict(User.objects.filter(pk__in={c[0] for c in changes}).values_list("pk", "username"))
        slugs = dict(Community.objects.filter(pk__in={c[1] for c in changes}).values_list("pk", "slug"))
        for user_id, community_id, before, after in changes:
            who = usernames.get(user_id, f"user {user_id}")
            self.stdout.write(f"{who} in {slugs.get(community_id, community_id)}: {before} → {after}")
        self.stdout.write(self.style.SUCCESS(f"{count} reputation total(s) changed."))
