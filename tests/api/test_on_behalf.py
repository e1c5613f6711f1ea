"""Posting and voting on a customer's behalf: the customer is the author or the voter,
the staff member who typed it in is recorded and shown."""

from __future__ import annotations

from django.test import Client

from accounts.models import User
from ideas.models import Vote
from tests.api.conftest import ApiClient
from tests.factories import login_with_mfa


def test_an_unknown_email_becomes_a_passwordless_member_who_authored_the_idea(api_as, brand_manager_a, community_a):
    api = api_as(brand_manager_a, community_a, ["write:ideas", "read"])
    posted = api.post(
        "/ideas",
        {
            "title": "Un menu végétarien au bar",
            "body": "Demandé au guichet de Lille.",
            "tags": ["restauration"],
            "author": {"email": "Lea.Client@Example.test", "name": "Léa Cliente"},
        },
    )
    assert posted.status_code == 201, posted.content
    body = posted.json()
    customer = User.objects.get(email="Lea.Client@Example.test")
    assert not customer.has_usable_password()
    assert customer.emailaddress_set.get().verified is False
    assert customer.memberships.get().community == community_a
    assert body["author"]["id"] == customer.pk
    assert body["author"]["display_name"] == "Léa Cliente"
    assert body["submitted_by"]["id"] == brand_manager_a.pk
    assert "email" not in body["author"] or body["author"]["email"] is None
    again = api.post(
        "/ideas",
        {"title": "Des plats chauds au bar", "body": "Encore elle.", "author": {"email": "lea.client@example.test"}},
    )
    assert again.json()["author"]["id"] == customer.pk


def test_the_idea_page_says_who_posted_it_on_the_customers_behalf(api_as, brand_manager_a, community_a):
    customer = {"email": "c@example.test", "name": "Cé"}
    api = api_as(brand_manager_a, community_a, ["write:ideas"])
    posted = api.post("/ideas", {"title": "Un menu végétarien au bar", "body": "Au guichet.", "author": customer})
    posted = posted.json()
    page = Client().get(posted["url"].replace("http://ideas.brand-a.test", ""), HTTP_HOST="ideas.brand-a.test")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Cé" in text
    assert brand_manager_a.public_name in text


def test_a_new_customer_needs_a_name_and_a_valid_address(api_as, admin_a, community_a):
    api = api_as(admin_a, community_a, ["write:ideas"])
    idea = {"title": "Un menu végétarien", "body": "Au guichet."}
    nameless = api.post("/ideas", {**idea, "author": {"email": "x@example.test"}})
    assert nameless.status_code == 400
    assert "name" in nameless.json()["fields"]
    for author in ({"email": "pas-une-adresse", "name": "X"}, {}, {"id": 1, "email": "a@b.test"}):
        assert api.post("/ideas", {**idea, "author": author}).status_code == 400
    assert api.post("/ideas", {**idea, "author": {"id": 10**9}}).status_code == 404
    assert not User.objects.filter(email="x@example.test").exists()


def test_a_member_of_another_community_is_not_a_known_id(api_as, admin_a, community_a, member_b):
    answer = api_as(admin_a, community_a, ["write:ideas"]).post(
        "/ideas", {"title": "Un menu végétarien", "body": "Au guichet.", "author": {"id": member_b.pk}}
    )
    assert answer.status_code == 404


def test_a_proxy_vote_counts_and_staff_see_who_recorded_it(api_as, moderator_a, member_a, community_a, idea_a):
    api = api_as(moderator_a, community_a, ["write:votes", "moderation"])
    cast = api.post(f"/ideas/{idea_a.pk}/votes", {"value": 1, "member": {"id": member_a.pk}})
    assert cast.status_code == 200, cast.content
    assert cast.json() == {"value": 1, "votes": 1}
    vote = Vote.objects.get(idea=idea_a, user=member_a)
    assert vote.recorded_by == moderator_a
    listed = api.get(f"/ideas/{idea_a.pk}/votes").json()
    assert listed[0]["member"]["id"] == member_a.pk
    assert listed[0]["recorded_by"]["id"] == moderator_a.pk
    assert api.post(f"/ideas/{idea_a.pk}/votes", {"value": 1, "member": {"id": member_a.pk}}).json()["votes"] == 1
    withdrawn = api.delete(f"/ideas/{idea_a.pk}/votes", {"member": member_a.pk})
    assert withdrawn.json() == {"value": None, "votes": 0}


def test_staff_cannot_withdraw_a_vote_the_member_cast_themselves(api_as, moderator_a, member_a, community_a, idea_a):
    from ideas.services import vote_set

    vote_set(idea=idea_a, user=member_a, value=1)
    api = api_as(moderator_a, community_a, ["write:votes"])
    assert api.delete(f"/ideas/{idea_a.pk}/votes", {"member": member_a.pk}).status_code == 403
    assert Vote.objects.filter(idea=idea_a, user=member_a).exists()


def test_a_member_voting_over_a_proxy_vote_makes_it_their_own(api_as, moderator_a, member_a, community_a, idea_a):
    community_a.downvotes_allowed = True
    community_a.save()
    api_as(moderator_a, community_a, ["write:votes"]).post(
        f"/ideas/{idea_a.pk}/votes", {"value": 1, "member": {"id": member_a.pk}}
    )
    session = ApiClient(client=Client())
    session.client.force_login(member_a)
    flipped = session.post(f"/ideas/{idea_a.pk}/votes", {"value": -1})
    assert flipped.status_code == 200, flipped.content
    assert flipped.json()["value"] == -1
    assert Vote.objects.get(idea=idea_a, user=member_a).recorded_by is None


def test_a_staff_session_records_a_proxy_vote_only_with_the_second_factor(moderator_a, member_a, community_a, idea_a):
    session = ApiClient(client=Client())
    session.client.force_login(moderator_a)
    ask = {"value": 1, "member": {"id": member_a.pk}}
    assert session.post(f"/ideas/{idea_a.pk}/votes", ask).status_code == 403
    login_with_mfa(session.client, moderator_a)
    assert session.post(f"/ideas/{idea_a.pk}/votes", ask).status_code == 200
