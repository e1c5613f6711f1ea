"""PostgreSQL-only search machinery; on SQLite this migration does nothing.

- pg_trgm for similar titles, unaccent so that "reservation" finds "réservation";
- text search configurations `cluetrain_fr` / `cluetrain_en`: French and English stemming
  after removing accents;
- a GIN index on the search vector and a trigram GIN index on titles.

Creating extensions needs a role allowed to (the database owner on PostgreSQL 13+ for
these trusted extensions, or a superuser).
"""

from django.db import migrations

CONFIGS = {"cluetrain_fr": ("french", "french_stem"), "cluetrain_en": ("english", "english_stem")}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for name, (parser_copy, stemmer) in CONFIGS.items():
        execute(
            f"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}') THEN
                CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {parser_copy});
                ALTER TEXT SEARCH CONFIGURATION {name}
                  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer};
              END IF;
            END $$;
            """
        )
    execute("CREATE INDEX IF NOT EXISTS ideas_idea_search_gin ON ideas_idea USING gin (search_vector)")
    execute("CREATE INDEX IF NOT EXISTS ideas_idea_title_trgm ON ideas_idea USING gin (title gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS ideas_idea_title_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS ideas_idea_search_gin")
    for name in CONFIGS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("ideas", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
