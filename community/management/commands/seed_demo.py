from django.conf import settings
from django.core.management.base import BaseCommand

from community.demo import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Create the French demo community and one account per role (safe to run again)."

    def handle(self, *args, **options) -> None:
        community, accounts = demo_seed(known_passwords=settings.DEBUG)
        self.stdout.write(self.style.SUCCESS(f"Demo community: {community.name} ({community.slug})"))
        for account, created in accounts:
            state = "created" if created else "already there"
            line = f"  {account.role:<14} {account.username:<16} {account.email:<32} {state}"
            if settings.DEBUG:
                line += f"   password: {DEMO_PASSWORD}"
            self.stdout.write(line)
        if not settings.DEBUG:
            self.stdout.write("Passwords are random and not shown (DEBUG is off): use the password reset.")
