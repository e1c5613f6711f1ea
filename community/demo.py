"""The French demo community: a rail-travel company's idea lab, with one account per role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Language, User
from community.cache import community_cache_clear
from community.models import Category, Community, Membership, Role
from community.services import statuses_create_defaults

DEMO_PASSWORD = "cluetrain-demo"  # noqa: S105 - printed for local demo accounts only

DEMO_COMMUNITY = {
    "slug": "rail-horizon",
    "name": "Lab Rail Horizon",
    "tagline": "Vos idées pour des voyages en train plus simples, plus confortables, plus sûrs.",
    "welcome_text": (
        "Bienvenue dans le laboratoire d'idées de Rail Horizon !\n\n"
        "Proposez vos idées pour les gares, les trains, les billets et l'application, votez pour "
        "celles des autres voyageurs et suivez ce que nos équipes en font. Chaque idée reçoit une "
        "réponse publique de nos équipes dès qu'elle rassemble assez de soutiens."
    ),
    "primary_color": "#0b3d6e",
    "accent_color": "#f2a900",
    "default_language": Language.FRENCH,
    "response_vote_threshold": 25,
    "response_age_days": 21,
}

# (slug, French, English, colour)
DEMO_CATEGORIES = (
    ("comfort", "Confort à bord", "On-board comfort", "#0e7490"),
    ("stations", "Gares", "Stations", "#7c3aed"),
    ("tickets", "Billets et tarifs", "Tickets and fares", "#b45309"),
    ("app", "Application et site", "App and website", "#1d4ed8"),
    ("accessibility", "Accessibilité", "Accessibility", "#15803d"),
    ("information", "Ponctualité et information", "Punctuality and information", "#be123c"),
)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    email: str
    display_name: str
    is_staff: bool = False
    is_superuser: bool = False


DEMO_ACCOUNTS = (
    DemoAccount(Role.MEMBER, "demo-membre", "membre@demo.cluetrain.test", "Camille (membre)"),
    DemoAccount(Role.MODERATOR, "demo-moderateur", "moderateur@demo.cluetrain.test", "Sacha (modération)", True),
    DemoAccount(Role.BRAND_MANAGER, "demo-marque", "marque@demo.cluetrain.test", "Rail Horizon (équipe)", True),
    DemoAccount(Role.ADMIN, "demo-admin", "admin@demo.cluetrain.test", "Dominique (admin)", True),
    DemoAccount("superuser", "demo-superuser", "superuser@demo.cluetrain.test", "Opérateur", True, True),
)


DEMO_VOTERS = 220  # quiet accounts that only vote, so that popular ideas look popular


def _demo_voters() -> list[User]:
    existing = set(User.objects.filter(username__startswith="voyageur-").values_list("username", flat=True))
    missing = [
        User(username=name, email=f"{name}@demo.cluetrain.test", language=Language.FRENCH, password=make_password(None))
        for name in (f"voyageur-{number:03d}" for number in range(1, DEMO_VOTERS + 1))
        if name not in existing
    ]
    User.objects.bulk_create(missing)
    return list(User.objects.filter(username__startswith="voyageur-").order_by("username"))


def demo_seed_ideas(community: Community, people: dict[str, User]) -> int:
    """Add the demo ideas the community lacks (matched by title); return how many were added."""
    # Imported here: the ideas app builds on the community app, not the other way round.
    from community.demo_ideas import DEMO_IDEAS
    from ideas.models import Idea, IdeaStats, Vote
    from ideas.services import comment_create, hot_epoch_of, idea_create, stats_recount

    existing = set(Idea.objects.filter(community=community).values_list("title", flat=True))
    todo = [data for data in DEMO_IDEAS if data["title"] not in existing]
    if not todo:
        return 0
    voters = _demo_voters()
    authors = [people["demo-membre"], *voters[:25]]
    commenters = [people["demo-membre"], people["demo-moderateur"], *voters[25:60]]
    categories = {category.slug: category for category in community.categories.all()}
    statuses = {status.slug: status for status in community.statuses.all()}
    now = timezone.now()
    for number, data in enumerate(todo):
        idea = idea_create(
            community=community,
            author=authors[number % len(authors)],
            title=data["title"],
            body=data["body"],
            category=categories.get(data["category"]),
            tags=data["tags"],
        )
        created_at = now - timedelta(days=data["age_days"], hours=number)
        Idea.objects.filter(pk=idea.pk).update(created_at=created_at)
        IdeaStats.objects.filter(pk=idea.pk).update(created_at=created_at, hot_epoch=hot_epoch_of(created_at))
        count = min(data["votes"], len(voters))
        # A different slice of voters per idea, wrapping around the list.
        chosen = [voters[(number * 7 + k) % len(voters)] for k in range(count)]
        Vote.objects.bulk_create([Vote(idea=idea, user=voter, created_at=created_at) for voter in chosen])
        for offset, text in enumerate(data["comments"]):
            comment_create(idea=idea, author=commenters[(number + offset) % len(commenters)], body=text)
        if data["status"] != "new":
            demo_answer(idea, statuses[data["status"]], people["demo-marque"])
        stats_recount(idea)
    return len(todo)


DEMO_ANSWERS = {
    "under-review": "Merci pour cette idée : nos équipes l’étudient. Nous vous tiendrons au courant ici.",
    "planned": "Bonne nouvelle : cette idée est inscrite à notre feuille de route. L’avancement sera publié ici.",
    "in-progress": "C’est en cours : les premiers essais ont commencé sur quelques lignes.",
    "done": "C’est fait ! Merci à toutes celles et ceux qui ont soutenu cette idée.",
    "declined": "Nous ne retiendrons pas cette idée pour l’instant : les contraintes techniques et de sécurité ne le "
    "permettent pas. Merci de l’avoir proposée.",
}


def demo_answer(idea, status, manager: User) -> None:
    """A published official response with its status change, as history: nobody is
    notified of what happened before the demo existed."""
    from ideas.models import OfficialResponse, ResponseState
    from ideas.responses import publish_if_due, response_create

    response = response_create(idea=idea, user=manager, body=DEMO_ANSWERS[status.slug], status=status)
    OfficialResponse.objects.filter(pk=response.pk).update(
        state=ResponseState.SCHEDULED, publish_at=timezone.now(), published_by=manager, notified_at=timezone.now()
    )
    publish_if_due(response.pk)


DEMO_REASONS = (
    (
        "Hors sujet",
        "Merci pour votre message. Il ne porte pas sur nos trains ni nos gares : nous ne l’avons pas publié.",
    ),
    ("Propos irrespectueux", "Votre message contenait des propos irrespectueux. Reformulez-le et il sera le bienvenu."),
    ("Doublon", "Une idée proche existe déjà : votez pour elle pour lui donner plus de poids."),
)
DEMO_HELD_TITLE = "Ces tarifs sont une ARNAQUE, remboursez tout le monde"


def demo_seed_moderation(community: Community, people: dict[str, User]) -> None:
    """Reason templates, a banned word, and one held idea so the demo queue is not empty."""
    from community.models import ReasonTemplate
    from community.moderation.services import rule_for
    from ideas.models import Idea
    from ideas.services import idea_create

    for order, (label, message) in enumerate(DEMO_REASONS):
        ReasonTemplate.objects.get_or_create(
            community=community, label=label, defaults={"message": message, "order": order}
        )
    rule = rule_for(community)
    if not rule.banned_words:
        rule.banned_words = "arnaque\nescroquerie"
        rule.save(update_fields=["banned_words"])
    if not Idea.objects.filter(community=community, title=DEMO_HELD_TITLE).exists():
        voter = User.objects.get(username="voyageur-200")
        idea_create(
            community=community,
            author=voter,
            title=DEMO_HELD_TITLE,
            body="Le prix des billets a encore augmenté, c’est une arnaque pure et simple.",
        )


@transaction.atomic
def demo_seed(*, known_passwords: bool) -> tuple[Community, list[tuple[DemoAccount, bool]]]:
    """Create the demo community and accounts if missing; existing rows are left alone.

    With `known_passwords` new accounts get DEMO_PASSWORD (for a local machine); otherwise
    a random one that nobody sees (use the password reset to take an account over).
    Returns the community and, per account, whether it was created now.
    """
    defaults = {key: value for key, value in DEMO_COMMUNITY.items() if key != "slug"}
    defaults["is_default"] = not Community.objects.filter(is_default=True).exclude(slug=DEMO_COMMUNITY["slug"]).exists()
    community, _created = Community.objects.get_or_create(slug=DEMO_COMMUNITY["slug"], defaults=defaults)
    statuses_create_defaults(community=community)
    for order, (slug, name_fr, name_en, color) in enumerate(DEMO_CATEGORIES):
        Category.objects.get_or_create(
            community=community,
            slug=slug,
            defaults={"name_fr": name_fr, "name_en": name_en, "color": color, "order": order * 10},
        )

    accounts = []
    people: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "email": account.email,
                "display_name": account.display_name,
                "language": Language.FRENCH,
                "is_staff": account.is_staff,
                "is_superuser": account.is_superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD if known_passwords else secrets.token_urlsafe(24))
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        if not account.is_superuser:
            Membership.objects.get_or_create(community=community, user=user, defaults={"role": account.role})
        accounts.append((account, created))
        people[account.username] = user
    from events import muted

    with muted():  # the demo's history is not news: nobody is notified of it
        demo_seed_ideas(community, people)
        demo_seed_moderation(community, people)
    community_cache_clear()
    return community, accounts
