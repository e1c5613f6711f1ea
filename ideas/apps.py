from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "ideas"
    verbose_name = _("Ideas")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from ideas.pending import finish_on_sign_in
        from ideas.search import sqlite_functions_register

        # A visitor's vote or follow, kept when they were sent to sign in (ideas.pending).
        user_logged_in.connect(finish_on_sign_in, dispatch_uid="ideas.pending_action")
        # Accent- and case-insensitive search on the embedded default (ideas.search.fold).
        connection_created.connect(sqlite_functions_register, dispatch_uid="ideas.sqlite_functions")
