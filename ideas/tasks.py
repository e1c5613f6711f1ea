"""Tasks of the ideas app (thin: load rows, call the work, own the retries)."""

from __future__ import annotations

from celery import shared_task

from community.cache import content_changed
from ideas import duplicates
from ideas.duplicate_pairs import duplicates_find, duplicates_find_recent
from ideas.images import thumbnail_of
from ideas.models import Idea, IdeaImage
from ideas.reconcile import stats_reconcile
from ideas.responses import announce_response, awaiting_reminders_send, publish_if_due, responses_due
from notifications.tasks import RETRY


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


@shared_task(name="notifications.publish_response", max_retries=8, **RETRY)
def publish_response(response_id: int) -> dict:
    """Publish a due response, then tell its followers; each half happens once."""
    published = publish_if_due(response_id)
    report = announce_response(response_id)
    return {"published": published, "notified": report.notified if report else 0}


@shared_task(name="notifications.publish_due")
def publish_due() -> int:
    """Every minute: scheduled responses that are due, and published ones not yet
    announced (a lost task). A late beat still publishes each once."""
    due = responses_due()
    for response_id in due:
        publish_response.delay(response_id)
    return len(due)


@shared_task(name="notifications.awaiting_reminder", max_retries=5, **RETRY)
def awaiting_reminder() -> int:
    return awaiting_reminders_send()


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
