"""Tasks of the ideas app (thin: load rows, call the work, own the retries)."""

from __future__ import annotations

from celery import shared_task

from ideas.images import thumbnail_of
from ideas.models import IdeaImage


@shared_task(name="media.make_thumbnails", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def make_thumbnails(image_ids: list[int]) -> int:
    """Make the missing thumbnails of these images; those already made are skipped."""
    made = 0
    for image in IdeaImage.objects.filter(pk__in=image_ids, thumbnail=""):
        with image.image.open("rb") as source:
            thumbnail = thumbnail_of(source)
        image.thumbnail.save(f"{image.pk}.webp", thumbnail, save=False)
        IdeaImage.objects.filter(pk=image.pk, thumbnail="").update(thumbnail=image.thumbnail.name)
        made += 1
    return made
