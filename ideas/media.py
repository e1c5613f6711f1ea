"""The pictures of ideas, handed only to readers who may see the idea (PRODUCT.md §12).

Each request is checked against the idea as it is now: a hidden, rejected or held idea's
images answer 404 to everyone but its author and the community's moderators, even when a
cached page still shows their address. The file then comes from Django itself (the
embedded default), or, with MEDIA_ACCEL_REDIRECT_PREFIX set, from the web server through
an internal redirect (`X-Accel-Redirect`, see README, "Media").
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from ideas.models import IdeaImage
from ideas.selectors import visible_ideas
from ideas.storage import idea_media_storage

# Private: a shared cache must not keep what the next reader may not see. An hour in the
# reader's own browser, who could see it when it was fetched.
CACHE_CONTROL = "private, max-age=3600"


def get_image_file_for_viewer(request: HttpRequest, name: str) -> str:
    """The stored file `name` (an idea's image or thumbnail) if this person may see its
    idea, in any community (a moderator's admin pages may be on another host); else 404."""
    image = (
        IdeaImage.objects.filter(Q(image=name) | Q(thumbnail=name))
        .select_related("idea__community")
        .defer("idea__body", "idea__body_html", "idea__search_vector")
        .first()
    )
    if image is None or not visible_ideas(image.idea.community, request.user).filter(pk=image.idea_id).exists():
        raise Http404
    return name


@require_safe
def idea_media(request: HttpRequest, name: str) -> HttpResponse:
    name = get_image_file_for_viewer(request, name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = quote(f"{prefix}{name}")
    else:
        try:
            response = FileResponse(idea_media_storage().open(name, "rb"), content_type=content_type)
        except FileNotFoundError:
            raise Http404 from None
    response["Cache-Control"] = CACHE_CONTROL
    return response
