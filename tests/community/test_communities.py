from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation

from community.models import Community, Status, contrast_ratio
from community.services import DEFAULT_STATUSES, community_create


@pytest.mark.smoke
def test_a_new_community_gets_the_default_statuses(db):
    community = community_create(name="Rail", slug="rail")
    statuses = list(community.statuses.order_by("order"))
    assert [status.slug for status in statuses] == [row[0] for row in DEFAULT_STATUSES]
    closed = {status.slug for status in statuses if status.is_closed}
    roadmap = {status.slug for status in statuses if status.on_roadmap}
    assert closed == {"done", "declined", "duplicate"}
    assert roadmap == {"planned", "in-progress", "done"}


def test_statuses_are_named_in_the_current_language(db):
    community = community_create(name="Rail", slug="rail")
    planned = Status.objects.get(community=community, slug="planned")
    with translation.override("fr"):
        assert planned.name == "Prévue"
    with translation.override("en"):
        assert planned.name == "Planned"


def test_there_is_only_one_default_community(db):
    community_create(name="A", slug="a", is_default=True)
    with pytest.raises(IntegrityError):
        Community.objects.create(name="B", slug="b", is_default=True)


def test_colours_must_be_hex(db):
    with pytest.raises(ValidationError) as error:
        community_create(name="A", slug="a", primary_color="blue")
    assert "primary_color" in error.value.message_dict


def test_default_status_colours_are_readable_with_their_text_colour(db):
    community = community_create(name="Rail", slug="rail")
    for status in community.statuses.all():
        assert contrast_ratio(status.color, status.text_color) >= 4.5, status.slug
