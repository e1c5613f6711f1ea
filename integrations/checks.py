"""A deploy check: private addresses allowed as receivers outside development."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def private_receivers_allowed(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return [
            checks.Warning(
                "WEBHOOKS_ALLOW_PRIVATE is on: community admins can make the workers call addresses "
                "of your own network (cloud metadata, databases).",
                hint="Turn it off unless every community admin is trusted with your network.",
                id="integrations.W001",
            )
        ]
    return []
