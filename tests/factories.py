from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from community.models import Category, Community, Membership, Role
from community.services import statuses_create_defaults

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    display_name = factory.LazyAttribute(lambda user: user.username.title())
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create and user.email and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    domain = factory.Sequence(lambda n: f"ideas.brand-{n}.test")

    @factory.post_generation
    def statuses(community, create, extracted, **kwargs):
        if create:
            statuses_create_defaults(community=community)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    community = factory.SubFactory(CommunityFactory)
    slug = factory.Sequence(lambda n: f"category-{n}")
    name_fr = factory.Sequence(lambda n: f"Catégorie {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


def make_idea(
    community, author=None, *, title="Des prises électriques à chaque siège", body="Pour travailler.", **fields
):
    """An idea created through the service, as a member would post it (approved in a
    post-moderation community)."""
    from ideas.services import idea_create

    if author is None:
        author = UserFactory()
    return idea_create(community=community, author=author, title=title, body=body, **fields)


class SanctionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "community.Sanction"

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    kind = "ban"
    reason = "Publicité répétée."


class ReasonTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "community.ReasonTemplate"

    community = factory.SubFactory(CommunityFactory)
    label = factory.Sequence(lambda n: f"Hors sujet {n}")
    message = "Votre message ne concerne pas les idées de la communauté."


class PointEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.PointEvent"

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    kind = "idea_approved"
    key = factory.Sequence(lambda n: f"test:{n}")
    points = 10


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Notification"

    community = factory.SubFactory(CommunityFactory)
    recipient = factory.SubFactory(UserFactory)
    kind = "status"
    key = factory.Sequence(lambda n: f"test:{n}")
    data = factory.LazyFunction(dict)


# --- Two-factor authentication (accounts.mfa) --------------------------------------------


def totp_enrol(user):
    """Give `user` an authenticator app; returns (authenticator, secret)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    return TOTP.activate(user, secret).instance, secret


def totp_code(secret: str) -> str:
    """The code the authenticator app shows now."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def login_with_mfa(client, user) -> None:
    """Sign `user` in on `client` as after their password and an authenticator code, which
    staff pages require (accounts.mfa). `force_login` alone records no second factor.

    Enrols an authenticator app for `user` if they have none."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.http import HttpRequest

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        authenticator, _secret = totp_enrol(user)
    client.force_login(user)
    request = HttpRequest()
    request.session = client.session
    record_authentication(request, user, "password", username=user.username)
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    request.session.save()


def run_as_task(function, *args, **kwargs):
    """Run a task's service as a worker does, outside the test's transaction in effect: what
    its transactions queue for after their commit (outbox jobs, run eagerly) goes too."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)
