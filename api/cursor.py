"""Cursor pagination over the site's listing (`ideas.selectors.ideas_for_listing`).

A cursor is the last row's sort key and id, signed (opaque, and a forged or garbled one is
a 400, never a query). The next page is the rows strictly after that key in the listing's
order (keyset pagination): an idea posted meanwhile never shifts a page, so nothing shows
twice and nothing is skipped, however long a client takes between pages. What moves an
idea within the order (a vote changes its hot and top keys) can of course move it across
the cursor; `new` is the order that never moves.

A search ranked by relevance (`q` without a sort) pages by position instead: its ranks
are computed per query among at most SEARCH_CANDIDATES ideas.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from api.errors import ApiError
from ideas.models import Idea

SALT = "api.cursor"
# The stats column each sort orders by (ideas.selectors.SORTS), all descending, then -pk.
KEYS = {
    "hot": "hot",
    "top": "votes",
    "new": "created_at",
    "discussed": "comments",
    "answered": "answered_at",
}


def cursor_encode(sort: str, idea: Idea | None = None, *, offset: int | None = None) -> str:
    if offset is not None:
        return signing.dumps({"s": sort, "o": offset}, salt=SALT, compress=True)
    value = getattr(idea.stats, KEYS[sort])
    if isinstance(value, datetime):
        value = value.isoformat()
    return signing.dumps({"s": sort, "v": value, "pk": idea.pk}, salt=SALT, compress=True)


def cursor_decode(cursor: str, sort: str) -> dict[str, Any]:
    try:
        data = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise ApiError(
            400, _("This cursor is not valid."), fields={"cursor": [_("Not a cursor of this API.")]}
        ) from None
    if not isinstance(data, dict) or data.get("s") != sort:
        raise ApiError(400, _("This cursor belongs to another sort order."), fields={"cursor": [_("Wrong sort.")]})
    return data


def after(ideas: QuerySet[Idea], sort: str, data: dict[str, Any]) -> QuerySet[Idea]:
    """The rows after the cursor's in the order `-key, -pk`."""
    field = f"stats__{KEYS[sort]}"
    value, pk = data["v"], data["pk"]
    if sort in ("new", "answered") and value is not None:
        value = datetime.fromisoformat(value)
    if value is None:  # answered: unanswered ideas come last (nulls last), by -pk
        return ideas.filter(**{f"{field}__isnull": True, "pk__lt": pk})
    later = Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk})
    if sort == "answered":
        later |= Q(**{f"{field}__isnull": True})
    return ideas.filter(later)
