from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Communities")

    def ready(self) -> None:
        # Caches and moderation hear the facts (events.catalogue); the moderation pages of
        # the admin are registered too (autodiscovery only imports community.admin).
        from community import subscribers  # noqa: F401
        from community.moderation import admin as moderation_admin  # noqa: F401
        from community.moderation import subscribers as moderation_subscribers  # noqa: F401
