"""Every page of /admin/, as every staff role, over rows of two communities.

Walks `admin.site._registry`, so a model registered later is crawled too: its changelist,
add page, and the change, history and delete pages of a row of each community. Nothing
answers 5xx; another community's rows are never listed and never open (404 or a redirect,
not 200); pages a role may not open answer 403, 404 or a redirect.
"""

from __future__ import annotations

import re

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils.html import strip_tags

from accounts.models import PointEvent
from api.keys import api_key_create
from community.admin import CommunityScopedAdmin
from community.models import ModerationItem, Role, Status
from community.models.moderation import ItemState
from community.moderation.services import flag_create, rule_for
from ideas import responses
from ideas.duplicate_pairs import duplicates_find
from ideas.models import Comment, Idea, Merge, OfficialResponse, StatusChange, Synonym
from ideas.services import comment_create, idea_merge, idea_set_status
from integrations.models import WebhookDelivery, WebhookEndpoint
from notifications.models import Notification
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    NotificationFactory,
    PointEventFactory,
    ReasonTemplateFactory,
    SanctionFactory,
    UserFactory,
    login_with_mfa,
    make_idea,
    totp_enrol,
)

ROLES = ("moderator_a", "brand_manager_a", "admin_a", "admin_b", "superuser")
OWN_COMMUNITY = {"moderator_a": "a", "brand_manager_a": "a", "admin_a": "a", "admin_b": "b"}
SERVER_ERROR = 500


@pytest.fixture(autouse=True)
def _no_external_spam_checker(settings) -> None:
    settings.MODERATION_SPAM_CHECK_URL = ""


@pytest.fixture
def admin_b(community_b):
    user = UserFactory(username="admin-b", is_staff=True)
    MembershipFactory(user=user, community=community_b, role=Role.ADMIN)
    return user


def _community_rows(community, tag: str, moderator, manager) -> None:
    """One row of each community-scoped model, made the way the site makes them."""
    author, other = UserFactory(username=f"author-{tag}"), UserFactory(username=f"other-{tag}")
    for person in (author, other):
        MembershipFactory(user=person, community=community, role=Role.MEMBER)
    rule = rule_for(community)
    rule.banned_words = "arnaque"
    rule.save()
    category = CategoryFactory(community=community)
    idea = make_idea(community, author, title=f"Du Wi-Fi dans le train {tag}", category=category, tags=["wifi"])
    duplicate = make_idea(community, other, title=f"Le Wi-Fi à bord {tag}")
    make_idea(community, other, title=f"Une arnaque {tag}")  # held for a moderator
    comment = comment_create(idea=idea, author=other, body=f"Oui, {tag} !")
    comment_create(idea=idea, author=author, body="Merci.", parent=comment)
    flag_create(content=comment, flagger=author, reason="spam")
    idea_set_status(idea=idea, status=Status.objects.get(community=community, slug="planned"), user=moderator)
    assert duplicates_find(idea=duplicate) == 1  # as the task queued by its posting does
    idea_merge(duplicate=duplicate, original=idea, user=moderator)
    response = responses.response_create(idea=idea, user=manager, body=f"Nous y travaillons ({tag}).")
    responses.response_publish(response=response, user=manager)
    SanctionFactory(community=community, user=other, created_by=moderator)
    ReasonTemplateFactory(community=community)
    Synonym.objects.create(community=community, words=f"Zéphyr {tag}, TGV Max {tag}")
    PointEventFactory(community=community, user=author)
    NotificationFactory(community=community, recipient=author, idea=idea)
    endpoint = WebhookEndpoint(
        community=community, name=f"CRM {tag}", url=f"https://hooks.example.com/{tag}", event_types=["idea.posted"]
    )
    endpoint.set_secret()
    endpoint.save()
    WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=f"evt_{tag}", event_type="idea.posted", body="{}", state="delivered", attempts=1
    )
    api_key_create(community=community, name=f"Jira {tag}", scopes=["read"], created_by=manager)


@pytest.fixture
def world(django_capture_on_commit_callbacks, community_a, community_b, moderator_a, brand_manager_a, admin_a, admin_b):
    """Rows of every registered model in both communities, and of the global models."""
    moderator_b = UserFactory(username="moderator-b", is_staff=True)
    MembershipFactory(user=moderator_b, community=community_b, role=Role.MODERATOR)
    manager_b = UserFactory(username="manager-b", is_staff=True)
    MembershipFactory(user=manager_b, community=community_b, role=Role.BRAND_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        _community_rows(community_a, "a", moderator_a, brand_manager_a)
        _community_rows(community_b, "b", moderator_b, manager_b)
    Group.objects.create(name="Support")
    app = SocialApp.objects.create(provider="google", name="Google", client_id="id", secret="secret")
    account = SocialAccount.objects.create(user=admin_a, provider="google", uid="42")
    SocialToken.objects.create(app=app, account=account, token="token")
    totp_enrol(admin_a)  # an mfa.Authenticator row
    assert ModerationItem.objects.filter(state=ItemState.HELD).count() == 2
    rows = {}
    for model, model_admin in admin.site._registry.items():
        assert model.objects.exists(), f"no {model._meta.label} row to crawl"
        if isinstance(model_admin, CommunityScopedAdmin):
            rows[model] = {
                key: _row_of(model, model_admin, community)
                for key, community in (("a", community_a), ("b", community_b))
            }
        else:
            rows[model] = {"global": model.objects.order_by("pk").first()}
    return rows


def _row_of(model, model_admin, community):
    lookup = f"{model_admin.community_field}__pk" if model_admin.community_field else "pk"
    row = model._default_manager.filter(**{lookup: community.pk}).order_by("pk").first()
    assert row is not None, f"no {model._meta.label} row in {community}"
    return row


def _url(model, view: str, *args) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


def _crawl(client: Client, url: str, problems: list[str], allowed: set[int]):
    response = client.get(url)
    if response.status_code >= SERVER_ERROR or response.status_code not in allowed:
        problems.append(f"{url} → {response.status_code}")
    return response


@pytest.mark.parametrize("role", ROLES)
def test_it_opens_every_admin_page_without_a_server_error_or_a_leak(request, world, role):
    user = request.getfixturevalue(role)
    client = Client()
    login_with_mfa(client, user)
    own = OWN_COMMUNITY.get(role)
    other = {"a": "b", "b": "a"}.get(own)
    problems: list[str] = []
    for model, rows in world.items():
        listing = _url(model, "changelist")
        listed = _crawl(client, listing, problems, {200, 302, 403})
        page = listed.content.decode() if listed.status_code == 200 else ""
        _crawl(client, _url(model, "add"), problems, {200, 302, 403})
        for key, row in rows.items():
            foreign = key == other
            for view in ("change", "history", "delete"):
                url = _url(model, view, row.pk)
                if url is None:
                    continue
                allowed = {302, 403, 404} if foreign else {200, 302, 403, 404}
                _crawl(client, url, problems, allowed)
            if foreign and _url(model, "change", row.pk) in page:
                problems.append(f"{listing} lists {model._meta.label} #{row.pk} of community {key.upper()}")
    assert not problems, "\n".join(problems)


def test_the_world_covers_the_models_that_once_failed(world):
    # Regression: the change and history pages of an official response answered 500 to staff.
    assert world[OfficialResponse]["a"].idea.community.slug == "brand-a"
    assert {Comment, Merge, StatusChange, PointEvent, Notification} <= set(world)


def test_it_opens_an_official_responses_pages_as_its_communitys_staff(client, world, brand_manager_a, moderator_a):
    response = world[OfficialResponse]["a"]
    for user in (brand_manager_a, moderator_a):
        login_with_mfa(client, user)
        for view in ("change", "history"):
            page = client.get(_url(OfficialResponse, view, response.pk))
            assert page.status_code == 200, (user, view)
            assert "Du Wi-Fi dans le train a" in page.content.decode()


# --- Hostile filter values and searches ---------------------------------------------------

HOSTILE_VALUES = ("²", "\x00", "9" * 30, "9999", "unknown-choice")


def _filter_parameters(changelist) -> set[str]:
    parameters = set()
    for spec in changelist.filter_specs:
        parameters.update(spec.expected_parameters())
    if changelist.date_hierarchy:
        parameters.update(f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return parameters


@pytest.mark.parametrize("role", ["superuser", "moderator_a"])
def test_hostile_filter_and_search_values_never_cause_a_server_error(request, world, role):
    client = Client(raise_request_exception=False)
    login_with_mfa(client, request.getfixturevalue(role))
    problems: list[str] = []
    for model in world:
        listing = _url(model, "changelist")
        response = client.get(listing)
        if response.status_code != 200:
            continue
        changelist = response.context["cl"]
        parameters = _filter_parameters(changelist)
        if changelist.search_fields:
            parameters.add("q")
        for parameter in sorted(parameters):
            for value in HOSTILE_VALUES:
                hostile = client.get(listing, {parameter: value})
                if hostile.status_code >= SERVER_ERROR:
                    problems.append(f"{listing}?{parameter}={value!r} → {hostile.status_code}")
    assert not problems, "\n".join(problems)


def test_a_non_numeric_status_filter_is_ignored(client, world, superuser):
    # Regression: "²" passed str.isdigit() and int() failed with a 500.
    login_with_mfa(client, superuser)
    response = client.get(_url(Idea, "changelist"), {"status": "²"})
    assert response.status_code in (200, 302)


# --- Column headers in French -----------------------------------------------------------------

# Words that are the same in both languages.
SAME_IN_FRENCH = {"", "Active", "Points", "Slug", "Message", "Notification", "Votes", "Type", "Tags", "Badge", "Date"}
# Columns of django-allauth's social models, operator-only pages, named after fields that
# the library gives no translatable name.
LIBRARY_FIELD_NAMES = {
    "socialaccount.SocialToken": {"App", "Account", "Token"},
    "socialaccount.SocialAccount": {"User", "Uid"},
}
HEADER = re.compile(r"<th[^>]*scope=\"col\"[^>]*>(.*?)</th>", re.DOTALL)


def _headers(client: Client, user, language: str, url: str) -> list[str]:
    user.language = language
    user.save(update_fields=["language"])
    page = client.get(url).content.decode()
    thead = page.split("<thead>", 1)[1].split("</thead>", 1)[0] if "<thead>" in page else ""
    # Without the sort-priority number a sorted column carries ("2 Slug").
    return [re.sub(r"^\d+ ", "", " ".join(strip_tags(cell).split())) for cell in HEADER.findall(thead)]


def test_every_changelists_column_headers_are_translated_in_french(client, world, superuser):
    login_with_mfa(client, superuser)
    untranslated = []
    for model in world:
        url = _url(model, "changelist")
        english = _headers(client, superuser, "en", url)
        french = _headers(client, superuser, "fr", url)
        assert english, f"{url} shows no table"
        assert len(english) == len(french), url
        allowed = SAME_IN_FRENCH | LIBRARY_FIELD_NAMES.get(model._meta.label, set())
        untranslated += [
            f"{url}: {en!r}" for en, fr in zip(english, french, strict=True) if en == fr and en not in allowed
        ]
    assert not untranslated, "\n".join(untranslated)
