"""`make eval-similar`: recall@1, recall@5 and MRR of duplicate detection per kind of
duplicate, and suggestions per title that repeats nothing, on a labelled set."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ideas import embeddings
from ideas.evaluation import DEFAULT_SET, evaluate, load


class Command(BaseCommand):
    help = "Measure duplicate detection on a labelled set (tests/data/similar_eval.json)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--set", default=str(DEFAULT_SET), help="the labelled set (JSON)")
        parser.add_argument("--split", choices=("dev", "test"), help="only this half of the set")
        parser.add_argument("--language", default="fr", help="the community's language")
        parser.add_argument(
            "--mode",
            choices=("lexical", "semantic", "both"),
            default="both",
            help="semantic needs SIMILAR_EMBEDDINGS_MODEL's package (docs/ideas.md)",
        )
        parser.add_argument("--misses", type=int, default=0, help="print this many queries not ranked first")
        parser.add_argument("--json", action="store_true", help="figures as JSON")

    def handle(self, *args, **options) -> None:
        try:
            data = load(options["set"])
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the set: {error}") from error
        modes = ["lexical", "semantic"] if options["mode"] == "both" else [options["mode"]]
        if "semantic" in modes and not embeddings.available():
            if options["mode"] == "semantic":
                raise CommandError(embeddings.unavailable_reason())
            self.stderr.write(f"semantic mode skipped: {embeddings.unavailable_reason()}")
            modes.remove("semantic")
        results = {}
        for mode in modes:
            with embeddings.mode(semantic=mode == "semantic"):
                report = evaluate(data, split=options["split"], language=options["language"])
            results[mode] = report.as_dict()
            if not options["json"]:
                self._print(mode, report, options["misses"])
        if options["json"]:
            self.stdout.write(json.dumps({"database": connection.vendor, "modes": results}, indent=2))

    def _print(self, mode: str, report, misses: int) -> None:
        self.stdout.write(f"\n{mode} ({connection.vendor})")
        self.stdout.write(f"{'kind':<10}{'queries':>8}{'recall@1':>10}{'recall@5':>10}{'MRR':>8}")
        for kind, figures in [*report.by_kind.items(), ("overall", report.overall)]:
            self.stdout.write(
                f"{kind:<10}{figures.count:>8}{figures.recall(1):>10.3f}{figures.recall(5):>10.3f}{figures.mrr:>8.3f}"
            )
        self.stdout.write(
            f"novel titles: {report.novel_suggestions:.2f} suggestions on average, {report.novel_empty:.0%} with none"
        )
        for kind, typed, expected, found in report.misses[:misses]:
            self.stdout.write(f"  [{kind}] {typed!r} → want {expected!r}; got {found}")
