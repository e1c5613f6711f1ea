"""How well duplicate detection finds duplicates, on a labelled set (`make eval-similar`).

A set is a JSON file (tests/data/similar_eval.json): `ideas` (key, lang, title, body), the
`queries` a member could type for one of them (text, expected key, kind: close, variant,
synonym or cross-language; split: dev or test) and `novel` titles that repeat none. The
ideas are posted in a throwaway community and every query goes through
`ideas.selectors.ideas_similar`, as the new-idea form's box does; nothing is kept.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.test.utils import override_settings

from accounts.models import User
from community.models import Community
from community.services import community_create
from ideas import duplicates, embeddings
from ideas.models import Idea, IdeaStats, ModerationState
from ideas.rendering import render_markdown
from ideas.selectors import ideas_similar
from ideas.services import default_status

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "similar_eval.json"
KINDS = ("close", "variant", "synonym", "cross")
# The cache of the run's own (rolled back) community must not outlive it.
PRIVATE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "eval-similar"}}


class _Rollback(Exception):
    pass


@dataclass
class Figures:
    """recall@1, recall@5 and MRR of a group of queries."""

    ranks: list[int | None] = field(default_factory=list)

    def add(self, rank: int | None) -> None:
        self.ranks.append(rank)

    @property
    def count(self) -> int:
        return len(self.ranks)

    def recall(self, k: int) -> float:
        return sum(1 for rank in self.ranks if rank is not None and rank <= k) / self.count if self.count else 0.0

    @property
    def mrr(self) -> float:
        return sum(1 / rank for rank in self.ranks if rank) / self.count if self.count else 0.0


@dataclass
class Report:
    by_kind: dict[str, Figures]
    overall: Figures
    novel_suggestions: float  # suggestions per title that repeats nothing
    novel_empty: float  # share of those titles with an empty box
    misses: list[tuple[str, str, str, list[str]]]  # kind, typed, expected title, suggested titles

    def as_dict(self) -> dict:
        def figures(group: Figures) -> dict:
            return {
                "queries": group.count,
                "recall@1": round(group.recall(1), 3),
                "recall@5": round(group.recall(5), 3),
                "mrr": round(group.mrr, 3),
            }

        return {
            "kinds": {kind: figures(group) for kind, group in self.by_kind.items()},
            "overall": figures(self.overall),
            "novel": {"suggestions": round(self.novel_suggestions, 2), "empty": round(self.novel_empty, 3)},
        }


def load(path: Path | str = DEFAULT_SET) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _post(community: Community, author: User, ideas: list[dict]) -> dict[str, Idea]:
    status = default_status(community)
    posted = {}
    for row in ideas:
        idea = Idea.objects.create(
            community=community,
            author=author,
            title=row["title"],
            body=row["body"],
            body_html=render_markdown(row["body"]),
            status=status,
            moderation_state=ModerationState.APPROVED,
        )
        IdeaStats.objects.create(
            idea=idea, community=community, status=status, is_listed=True, created_at=idea.created_at
        )
        duplicates.idea_terms_refresh(idea)
        posted[row["key"]] = idea
    if embeddings.enabled():
        # What the `ideas.embed_idea` task stores, for all of them at once.
        ideas = list(posted.values())
        vectors = embeddings.embed([embeddings.text_of(idea.title, idea.body) for idea in ideas])
        for idea, vector in zip(ideas, vectors, strict=True):
            idea.embedding, idea.embedding_model = embeddings.to_bytes(vector), embeddings.current_model()
        Idea.objects.bulk_update(ideas, ["embedding", "embedding_model"])
        embeddings.changed(community.pk)
    return posted


def evaluate(data: dict, *, split: str | None = None, language: str = "fr", limit: int = 5) -> Report:
    """Post the set's ideas in a community of their own, type every query, roll back."""
    with override_settings(CACHES=PRIVATE_CACHE):
        try:
            with transaction.atomic():
                report = _evaluate(data, split=split, language=language, limit=limit)
                raise _Rollback
        except _Rollback:
            pass
    return report


def _evaluate(data: dict, *, split: str | None, language: str, limit: int) -> Report:
    community = community_create(name="Eval similar", slug="eval-similar-run", default_language=language)
    author = User.objects.create_user(username="eval-similar-author", email="eval-similar@example.invalid")
    posted = _post(community, author, data["ideas"])
    titles = {idea.pk: idea.title for idea in posted.values()}
    by_kind: dict[str, Figures] = defaultdict(Figures)
    overall = Figures()
    misses = []
    for query in data["queries"]:
        if split and query.get("split") != split:
            continue
        found = [idea.pk for idea in ideas_similar(community, query["text"], limit=limit)]
        expected = posted[query["expected"]].pk
        rank = found.index(expected) + 1 if expected in found else None
        by_kind[query["kind"]].add(rank)
        overall.add(rank)
        if rank != 1:
            misses.append((query["kind"], query["text"], titles[expected], [titles[pk] for pk in found]))
    novel = [row for row in data["novel"] if not split or row.get("split") == split]
    shown = [len(ideas_similar(community, row["text"], limit=limit)) for row in novel]
    ordered = {kind: by_kind[kind] for kind in KINDS if kind in by_kind}
    return Report(
        by_kind=ordered,
        overall=overall,
        novel_suggestions=sum(shown) / len(shown) if shown else 0.0,
        novel_empty=sum(1 for count in shown if count == 0) / len(shown) if shown else 0.0,
        misses=misses,
    )
