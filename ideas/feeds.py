"""Atom feeds (community, category, status) and the sitemap, with Django's own tools.

Their links are absolute on the community's own site (community_url), not on
django.contrib.sites' Site, which knows of no community."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from community.models import Category, Status
from community.selectors import community_url
from ideas.selectors import listed_ideas

FEED_SIZE = 30

# XML 1.0 has no place for these: a title or a tag carrying one (pasted from a terminal, say)
# would make the whole feed a server error. They are invisible on the pages; drop them here.
XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value):
    if isinstance(value, str):
        return XML_FORBIDDEN.sub("", value)
    if isinstance(value, list | tuple):
        return [_xml_safe(part) for part in value]
    return value


class XMLSafeAtom1Feed(Atom1Feed):
    """Every text of the feed and its entries, whichever field it comes from, without what
    XML cannot carry."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*[_xml_safe(value) for value in args], **{key: _xml_safe(v) for key, v in kwargs.items()})

    def add_item(self, *args, **kwargs) -> None:
        super().add_item(*[_xml_safe(value) for value in args], **{key: _xml_safe(v) for key, v in kwargs.items()})


class IdeasFeed(Feed):
    feed_type = XMLSafeAtom1Feed

    def get_object(self, request, kind: str | None = None, slug: str | None = None):
        community = request.community
        if community is None:
            raise Http404
        scope = None
        if kind not in (None, "category", "status"):
            raise Http404
        if kind == "category":
            scope = get_object_or_404(Category, community=community, slug=slug)
        elif kind == "status":
            scope = get_object_or_404(Status, community=community, slug=slug)
        return community, kind, scope

    def title(self, obj) -> str:
        community, _kind, scope = obj
        return f"{community.name} · {scope.name}" if scope else community.name

    def subtitle(self, obj) -> str:
        return obj[0].tagline or _("The latest ideas")

    def link(self, obj) -> str:
        community, kind, scope = obj
        return community_url(community, f"/ideas/?{kind}={scope.slug}" if scope else "/ideas/")

    def feed_url(self, obj) -> str:
        community, kind, scope = obj
        path = reverse("ideas:feed_scoped", args=[kind, scope.slug]) if scope else reverse("ideas:feed")
        return community_url(community, path)

    def items(self, obj):
        community, kind, scope = obj
        ideas = listed_ideas(community)
        if kind == "category":
            ideas = ideas.filter(stats__category=scope)
        elif kind == "status":
            ideas = ideas.filter(stats__status=scope)
        ideas = list(ideas.order_by("-stats__created_at", "-pk")[:FEED_SIZE])
        for idea in ideas:
            idea.community = community  # known already: item_link needs no query per idea
        return ideas

    def item_link(self, item) -> str:
        return community_url(item.community, item.get_absolute_url())

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        return item.body_html

    def item_author_name(self, item) -> str:
        return item.author.public_name if item.author else _("Former member")

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


class IdeaSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000

    def __init__(self, community) -> None:
        self.community = community
        self.protocol, self.domain = urlsplit(community_url(community))[:2]

    def get_domain(self, site=None) -> str:
        return self.domain

    def items(self):
        if self.community is None:
            return []
        return listed_ideas(self.community).order_by("-stats__created_at", "-pk")

    def lastmod(self, item):
        return item.updated_at
