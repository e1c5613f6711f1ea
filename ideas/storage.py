"""Where the pictures of ideas are kept, and under which names.

An idea's images are content that moderation may withdraw: they live under
PRIVATE_MEDIA_ROOT (never served by the web server as such), named at random, and their
URL is the view of `ideas.media`, which checks at each request that the reader may see
the idea (PRODUCT.md §12). Brand assets (logos, favicons) stay in MEDIA_ROOT, public.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils.functional import cached_property

# The extensions our re-encoding writes (config.images); anything else is stored bare.
SAFE_EXTENSIONS = {".jpg", ".png", ".webp", ".gif"}


class IdeaMediaStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT whose URL is the permission-checking view."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        return reverse("ideas:media", kwargs={"name": name})


_storage = IdeaMediaStorage()


def idea_media_storage() -> IdeaMediaStorage:
    """The storage of idea images and thumbnails (a callable, so that migrations name it)."""
    return _storage


def random_name(folder: str, filename: str) -> str:
    """`folder/ab/ab12….jpg`: a name that says nothing of the upload and cannot be guessed."""
    extension = PurePosixPath(filename).suffix.lower()
    token = uuid.uuid4().hex
    return f"{folder}/{token[:2]}/{token}{extension if extension in SAFE_EXTENSIONS else ''}"


def idea_image_name(instance, filename: str) -> str:
    return random_name("ideas", filename)


def idea_thumbnail_name(instance, filename: str) -> str:
    return random_name("ideas/thumbs", filename)
