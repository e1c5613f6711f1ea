"""Recompute derived columns after two changes of formula (issue #12).

- The hot score: log10(1 + |votes|) (the first vote now counts) and a time term in units
  of thirty days instead of three (`ideas.services.HOT_TIME_UNIT`, docs/ideas.md). Both
  databases; one UPDATE per column, no row comes back to Python.
- The search vector (PostgreSQL only): tags, and hyphenated words also joined ("Wi-Fi" is
  found by "wifi"), as `ideas.search.idea_search_vector` now builds it.

Written in SQL here rather than by calling today's code, so that it runs the same later.
"""

import math

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Abs, Greatest, Ln, Sign

OLD_UNIT_DAYS = 3
NEW_UNIT_DAYS = 30


def _rescore(apps, *, factor: float, new_formula: bool) -> None:
    stats = apps.get_model("ideas", "IdeaStats").objects
    stats.update(hot_epoch=F("hot_epoch") * Value(factor))
    votes = F("votes")
    magnitude = Ln(Abs(votes) + Value(1)) if new_formula else Ln(Greatest(Abs(votes), Value(1)))
    stats.update(hot=Sign(votes) * magnitude / Value(math.log(10)) + F("hot_epoch"))


def hot_forwards(apps, schema_editor):
    _rescore(apps, factor=OLD_UNIT_DAYS / NEW_UNIT_DAYS, new_formula=True)


def hot_backwards(apps, schema_editor):
    _rescore(apps, factor=NEW_UNIT_DAYS / OLD_UNIT_DAYS, new_formula=False)


def _joined(text: str) -> str:
    """The hyphenated words of `text`, without their hyphens (ideas.search.HyphenatedJoined)."""
    return (
        "array_to_string(ARRAY(SELECT replace(m[1], '-', '') "
        f"FROM regexp_matches({text}, '(\\w+(?:-\\w+)+)', 'g') AS m), ' ')"
    )


TAGS = """(SELECT string_agg(tag.name, ' ') FROM taggit_taggeditem AS item
    JOIN django_content_type AS type ON type.id = item.content_type_id
    JOIN taggit_tag AS tag ON tag.id = item.tag_id
    WHERE type.app_label = 'ideas' AND type.model = 'idea' AND item.object_id = idea.id)"""

REINDEX = f"""
UPDATE ideas_idea AS idea SET search_vector =
    setweight(to_tsvector(%(config)s::regconfig, COALESCE(idea.title, '')), 'A')
    || setweight(to_tsvector(%(config)s::regconfig, COALESCE(idea.body, '')), 'B')
    || setweight(to_tsvector(%(config)s::regconfig,
        COALESCE({TAGS}, '') || ' ' || COALESCE({_joined("idea.title")}, '') || ' '
        || COALESCE({_joined(TAGS)}, '')), 'A')
    || setweight(to_tsvector(%(config)s::regconfig, COALESCE({_joined("idea.body")}, '')), 'B')
WHERE idea.community_id = %(community)s
"""
CONFIGS = {"fr": "cluetrain_fr", "en": "cluetrain_en"}


def search_forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    communities = apps.get_model("community", "Community").objects.values_list("pk", "default_language")
    with schema_editor.connection.cursor() as cursor:
        for community, language in communities:
            cursor.execute(REINDEX, {"config": CONFIGS.get(language, "cluetrain_fr"), "community": community})


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("ideas", "0005_admin_verbose_names"),
        ("taggit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(hot_forwards, hot_backwards),
        # Backwards, the richer vectors are harmless: nothing to undo.
        migrations.RunPython(search_forwards, migrations.RunPython.noop),
    ]
