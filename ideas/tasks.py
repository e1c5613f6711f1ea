"""Tasks of the ideas app (thin: load rows, call the work, own the retries)."""

from __future__ import annotations

from celery import shared_task

from community.cache import content_changed
from config.images import thumbnail_of
from ideas import duplicates
from ideas.duplicate_pairs import duplicates_find, duplicates_find_recent
from ideas.models import Idea, IdeaImage
from ideas.reconcile import stats_reconcile


@shared_task(name="media.make_thumbnails", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def make_thumbnails(image_ids: list[int]) -> int:
    """Make the missing thumbnails of these images; those already made are skipped."""
    made = 0
    for image in IdeaImage.objects.filter(pk__in=image_ids, thumbnail="").select_related("idea"):
        with image.image.open("rb") as source:
            thumbnail = thumbnail_of(source)
        image.thumbnail.save("thumb.webp", thumbnail, save=False)
        if not IdeaImage.objects.filter(pk=image.pk, thumbnail="").update(thumbnail=image.thumbnail.name):
            # Another run was first, or the idea was deleted meanwhile: keep no stray file.
            image.thumbnail.delete(save=False)
            continue
        made += 1
        content_changed(image.idea.community_id)  # the idea page shows the thumbnail
    return made


@shared_task(name="ideas.reconcile_counters")
def reconcile_counters(dry_run: bool = False) -> dict:
    """Nightly: recount votes, comments and followers, report the drift and repair it."""
    return stats_reconcile(dry_run=dry_run).as_dict()


@shared_task(name="ideas.reindex_terms")
def reindex_terms(community_id: int) -> int:
    """New duplicate-detection terms for a community's ideas after its synonyms changed."""
    return duplicates.reindex(community_id)


@shared_task(name="ideas.embed_idea")
def embed_idea(idea_id: int) -> bool:
    """The semantic option: the idea's sentence embedding for its current text."""
    return duplicates.idea_embed(idea_id)


@shared_task(name="ideas.find_duplicates")
def find_duplicates(idea_id: int) -> int:
    """The public ideas a just posted or edited idea may repeat (ideas/duplicate_pairs.py)."""
    idea = Idea.objects.select_related("community").filter(pk=idea_id).first()
    return 0 if idea is None else duplicates_find(idea=idea)


@shared_task(name="ideas.find_recent_duplicates")
def find_recent_duplicates() -> int:
    """Nightly: likely duplicates among the ideas of the last day, in every community."""
    return duplicates_find_recent()
