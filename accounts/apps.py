from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from accounts import subscribers  # noqa: F401  (points and badges hear the facts)
        from accounts.member_cache import connect as member_cache_connect
        from accounts.mfa import first_second_factor_added

        member_cache_connect()

        def on_authenticator_added(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
            first_second_factor_added(request=request, user=user, authenticator=authenticator)

        authenticator_added.connect(on_authenticator_added, weak=False, dispatch_uid="accounts.mfa.enrolled")
