"""Between the crawl's two widths (390 and 1,280 px): the site header's parts never overlap,
and the listing's filters show their whole labels, for a visitor and each signed-in role.

The header: between 961 and 1,090 px the full row (brand, nav, search, "Post an idea",
account) was wider than the window and "Post an idea" covered the bell and the account menu;
below 1,152 px the header now folds nav, search and "Post an idea" into its menu, as on
tablets (static/css/site.css)."""

from __future__ import annotations

import pytest

from community.models import Membership, Role
from community.services import community_create
from tests.browser.conftest import signed_in_page
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (961, 1024, 1100, 1152, 1153, 1200, 1280)
PARTS = (".brand", ".site-nav", ".header-search", ".header-post", ".site-header__account", ".menu-toggle")

# The header's visible parts, left to right, with their boxes.
BOXES = """(selectors) => selectors.flatMap((selector) => {
  const element = document.querySelector(selector);
  if (!element) return [];
  const box = element.getBoundingClientRect();
  if (!box.width || !box.height) return [];
  return [{selector, left: box.left, right: box.right, top: box.top, bottom: box.bottom}];
}).sort((a, b) => a.left - b.left)"""


def _overlaps(page) -> list[str]:
    boxes = page.evaluate(BOXES, list(PARTS))
    found = []
    for index, first in enumerate(boxes):
        for second in boxes[index + 1 :]:
            side_by_side = first["right"] > second["left"] + 0.5 and second["right"] > first["left"] + 0.5
            same_row = first["bottom"] > second["top"] + 0.5 and second["bottom"] > first["top"] + 0.5
            if side_by_side and same_row:
                found.append(f"{first['selector']} over {second['selector']}")
    if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"):
        found.append("the page scrolls sideways")
    return found


@pytest.mark.parametrize(
    "role", [None, Role.MEMBER, Role.MODERATOR, Role.BRAND_MANAGER], ids=["visitor", "member", "moderator", "brand"]
)
def test_the_headers_parts_never_overlap_at_a_laptops_width(browser, live_server, role):
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    if role is None:
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
    else:
        # A name as long as the account menu shows (it cuts at 10rem).
        user = UserFactory(username=f"compte-{role}", display_name="Rail Horizon (équipe) Bordeaux")
        Membership.objects.create(community=community, user=user, role=role)
        page = signed_in_page(browser, live_server, user)
    try:
        page.goto(live_server.url + "/ideas/")
        problems = {}
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            if found := _overlaps(page):
                problems[width] = found
        assert problems == {}
    finally:
        page.context.close()


# Each filter select's chosen label against the room it has (its padding holds the arrow).
CUT_LABELS = """() => [...document.querySelectorAll('.filters select')].flatMap((select) => {
  const style = getComputedStyle(select);
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const label = select.options[select.selectedIndex].text;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(label).width > room ? [`${select.name}: ${label}`] : [];
})"""


@pytest.mark.parametrize("role", [None, Role.BRAND_MANAGER], ids=["visitor", "brand"])
def test_the_listing_filters_show_their_whole_labels_at_every_width(browser, live_server, role):
    """A staff member's filter row has two more boxes ("My ideas", "Followed"): at 1,280 px
    the category select was cut to "Toutes les catég"; the row now wraps instead."""
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    if role is None:
        page = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
    else:
        user = UserFactory(username="equipe", display_name="Rail Horizon (équipe)")
        Membership.objects.create(community=community, user=user, role=role)
        page = signed_in_page(browser, live_server, user)
    try:
        page.goto(live_server.url + "/ideas/?q=train")
        cut = {}
        for width in (390, 800, 1024, 1153, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            if found := page.evaluate(CUT_LABELS):
                cut[width] = found
        assert cut == {}
    finally:
        page.context.close()
