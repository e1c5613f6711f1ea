"""Bad input on the ideas pages (PRODUCT.md §3, §9, §10), through the real views.

Every form and endpoint answers bad input with a clear message and a 4xx, never a 500, and
never loses what the member typed. Markdown from members never comes back as markup
outside the allow-list.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from community.models import ModerationMode, Role
from ideas import services
from ideas.models import Comment, Follow, Idea, IdeaStats, ModerationState, Vote
from ideas.rendering import render_markdown
from tests.factories import CategoryFactory, MembershipFactory, UserFactory, make_idea

HOST_B = "ideas.brand-b.test"
JSON = {"HTTP_ACCEPT": "application/json"}
UNKNOWN_ID = 987_654_321

TYPED = {
    "title": "Des trains à l’heure le lundi matin",
    "body": "Les retards du lundi gâchent la semaine de tout le monde.\n\n- moins de retards\n- plus de trains",
    "tags": "ponctualité, lundi",
    "category": "",
}


def french(message: str) -> str:
    """A message of the app as a member of community A reads it (French is its language)."""
    with translation.override("fr"):
        return translation.gettext(message)


def text_of(response) -> str:
    return response.content.decode()


def shows(response, typed: str) -> bool:
    """Whether the page shows this text as the member typed it (HTML-escaped, as templates do)."""
    return escape(typed) in text_of(response)


def post_idea(client, **changes):
    return client.post(reverse("ideas:create"), {**TYPED, **changes})


def votes_of(idea) -> int:
    return IdeaStats.objects.get(pk=idea.pk).votes


def endpoint(name: str, pk: int) -> tuple[str, str, dict]:
    """(method, url, data) of an endpoint that takes an idea id."""
    return {
        "detail": ("get", reverse("ideas:detail", kwargs={"pk": pk, "slug": "une-idee"}), {}),
        "short": ("get", reverse("ideas:short", args=[pk]), {}),
        "edit": ("get", reverse("ideas:edit", args=[pk]), {}),
        "edit-post": ("post", reverse("ideas:edit", args=[pk]), TYPED),
        "vote": ("post", reverse("ideas:vote", args=[pk]), {"value": "1"}),
        "comment": ("post", reverse("ideas:comment", args=[pk]), {"body": "Je suis d’accord."}),
        "follow": ("post", reverse("ideas:follow", args=[pk]), {}),
    }[name]


def call(client, name: str, pk: int, **extra):
    method, url, data = endpoint(name, pk)
    return getattr(client, method)(url, data, **extra)


# --- Posting an idea ---------------------------------------------------------------------


def test_a_good_idea_with_a_category_and_tags_is_posted(client, community_a, member_a):
    # The control for the refusals below: the same form, filled in well, is accepted.
    category = CategoryFactory(community=community_a)
    client.force_login(member_a)
    response = post_idea(client, category=str(category.pk))
    idea = Idea.objects.get()
    assert response.status_code == 302
    assert response["Location"] == idea.get_absolute_url()
    assert idea.title == TYPED["title"]
    assert idea.category == category
    assert sorted(idea.tags.names()) == ["lundi", "ponctualité"]


BAD_IDEAS = [
    pytest.param("title", {"title": ""}, id="empty-title"),
    pytest.param("title", {"title": "Wifi"}, id="4-char-title"),
    pytest.param("title", {"title": "Idée " + "a" * 116}, id="121-char-title"),
    pytest.param("body", {"body": ""}, id="empty-body"),
    pytest.param("body", {"body": "   \n\t  \n"}, id="whitespace-body"),
    pytest.param("body", {"body": "Trop long. " + "b" * 9_990}, id="10001-char-body"),
    pytest.param("tags", {"tags": "un, deux, trois, quatre, cinq, six"}, id="6-tags"),
    pytest.param("tags", {"tags": "court, " + "t" * 51}, id="51-char-tag"),
    pytest.param("category", {"category": "abc"}, id="non-numeric-category"),
    pytest.param("category", {"category": str(UNKNOWN_ID)}, id="unknown-category"),
]


@pytest.mark.parametrize(("field", "changes"), BAD_IDEAS)
def test_a_bad_idea_is_refused_with_400_and_everything_typed_is_kept(client, member_a, field, changes):
    client.force_login(member_a)
    response = post_idea(client, **changes)

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    for message in form.errors[field]:
        assert shows(response, message)
    typed = {**TYPED, **changes}
    for name in ("title", "body", "tags"):
        if typed[name].strip():
            assert shows(response, typed[name]), f"the {name} typed was lost"
    assert not Idea.objects.exists()


def test_a_category_of_another_community_is_refused_with_400(client, member_a, community_b):
    category_of_b = CategoryFactory(community=community_b)
    client.force_login(member_a)
    response = post_idea(client, category=str(category_of_b.pk))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["category"]
    assert shows(response, TYPED["title"])
    assert shows(response, TYPED["body"])
    assert shows(response, TYPED["tags"])
    assert not Idea.objects.exists()


def test_a_visitor_asking_for_the_idea_form_is_sent_to_sign_in(client, community_a):
    response = client.get(reverse("ideas:create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


# --- List filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"sort": "random"}, "sort"),
        ({"status": "no-such-status"}, "status"),
        ({"category": "no-such-category"}, "category"),
    ],
    ids=["sort", "status", "category"],
)
def test_an_unknown_list_filter_is_refused_with_400_and_a_message(client, idea_a, query, field):
    response = client.get(reverse("ideas:list"), query)
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert shows(response, form.errors[field][0])
    if field != "sort":
        assert query[field] in form.errors[field][0]  # the message names what was asked


@pytest.mark.parametrize("query", [{"sort": "top"}, {"status": "new"}, {"sort": "new", "status": "new"}])
def test_known_list_filters_are_accepted(client, idea_a, query):
    response = client.get(reverse("ideas:list"), query)
    assert response.status_code == 200
    assert shows(response, idea_a.title)


@pytest.mark.parametrize("page", ["abc", "9999", "-1", "0"])
def test_a_bad_page_number_shows_a_page_rather_than_an_error(client, idea_a, page):
    response = client.get(reverse("ideas:list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == 1  # a single page of ideas: the first is the last
    assert shows(response, idea_a.title)


def test_an_over_long_similar_query_is_refused_with_400(client, idea_a):
    response = client.get(reverse("ideas:similar"), {"title": "x" * 201})
    assert response.status_code == 400
    assert response.json() == {"error": french("The title is too long.")}


# --- Unknown ids and other communities' ids -----------------------------------------------

ID_ENDPOINTS = ["detail", "short", "edit", "edit-post", "vote", "comment", "follow"]


@pytest.mark.parametrize("name", ID_ENDPOINTS)
def test_an_unknown_idea_id_is_404(client, member_a, name):
    assert not Idea.objects.filter(pk=UNKNOWN_ID).exists()
    client.force_login(member_a)
    assert call(client, name, UNKNOWN_ID).status_code == 404
    assert call(client, name, UNKNOWN_ID, **JSON).status_code == 404


@pytest.mark.parametrize("name", ID_ENDPOINTS)
def test_an_idea_of_community_a_is_404_on_community_b_even_for_its_author(client, idea_a, member_a, community_b, name):
    client.force_login(member_a)
    assert client.get(reverse("ideas:list"), HTTP_HOST=HOST_B).status_code == 200  # community B answers there
    response = call(client, name, idea_a.pk, HTTP_HOST=HOST_B)
    assert response.status_code == 404
    # Nothing was written through the wrong door.
    assert Vote.objects.count() == 0
    assert Comment.objects.count() == 0
    assert Follow.objects.filter(idea=idea_a, user=member_a).exists()  # the author's follow stands
    idea_a.refresh_from_db()
    assert idea_a.title != TYPED["title"]


def test_an_idea_of_community_a_opens_on_its_own_host(client, idea_a):
    # The control for the test above: the same id is found where it belongs.
    response = client.get(idea_a.get_absolute_url(), HTTP_HOST="ideas.brand-a.test")
    assert response.status_code == 200
    assert shows(response, idea_a.title)


def test_a_member_of_community_b_cannot_reach_community_a_ideas_on_their_host(client, idea_a, member_b):
    client.force_login(member_b)
    for name in ID_ENDPOINTS:
        assert call(client, name, idea_a.pk, HTTP_HOST=HOST_B).status_code == 404, name


@pytest.mark.parametrize("action", ["comment_edit", "comment_delete"])
def test_an_unknown_or_foreign_comment_id_is_404(client, idea_a, member_a, community_b, action):
    comment = services.comment_create(idea=idea_a, author=member_a, body="Un commentaire.")
    client.force_login(member_a)
    method = client.get if action == "comment_edit" else client.post
    assert method(reverse(f"ideas:{action}", args=[UNKNOWN_ID])).status_code == 404
    assert method(reverse(f"ideas:{action}", args=[comment.pk]), HTTP_HOST=HOST_B).status_code == 404
    comment.refresh_from_db()
    assert comment.deleted_at is None


# --- Votes -------------------------------------------------------------------------------


@pytest.fixture
def voter(community_a):
    """A member of community A who is not the author of idea_a."""
    user = UserFactory(username="voter-a")
    MembershipFactory(user=user, community=community_a, role=Role.MEMBER)
    return user


@pytest.mark.parametrize("value", ["2", "abc", "0", "-2", "1.0"])
def test_a_vote_value_other_than_1_or_minus_1_is_refused_with_400(client, idea_a, voter, value):
    client.force_login(voter)
    url = reverse("ideas:vote", args=[idea_a.pk])

    response = client.post(url, {"value": value})
    assert response.status_code == 400
    assert response.context["message"] == french("A vote is 1 or -1.")
    assert shows(response, response.context["message"])

    response = client.post(url, {"value": value}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"error": french("A vote is 1 or -1.")}
    assert not Vote.objects.exists()
    assert votes_of(idea_a) == 0


def test_a_down_vote_is_refused_with_400_where_the_community_does_not_use_them(client, idea_a, voter):
    assert not idea_a.community.downvotes_allowed
    client.force_login(voter)
    url = reverse("ideas:vote", args=[idea_a.pk])

    response = client.post(url, {"value": "-1"})
    assert response.status_code == 400
    assert shows(response, french("This community does not use down-votes."))

    response = client.post(url, {"value": "-1"}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"error": french("This community does not use down-votes.")}
    assert not Vote.objects.exists()


def test_a_down_vote_counts_where_the_community_uses_them(client, community_a, idea_a, voter):
    # The control for the test above.
    community_a.downvotes_allowed = True
    community_a.save()
    client.force_login(voter)
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "-1"}, **JSON)
    assert response.status_code == 200
    assert response.json() == {"value": -1, "votes": -1}


def test_a_vote_on_a_closed_idea_is_refused_with_409(client, community_a, idea_a, voter, moderator_a):
    done = community_a.statuses.get(slug="done")
    assert done.is_closed
    services.idea_set_status(idea=idea_a, status=done, user=moderator_a)
    client.force_login(voter)
    url = reverse("ideas:vote", args=[idea_a.pk])

    response = client.post(url, {"value": "1"})
    assert response.status_code == 409
    assert shows(response, french("Voting is closed for this idea."))

    response = client.post(url, {"value": "1"}, **JSON)
    assert response.status_code == 409
    assert response.json() == {"error": french("Voting is closed for this idea.")}
    assert not Vote.objects.exists()
    assert votes_of(idea_a) == 0


def age_votes(idea, seconds: int = 5) -> None:
    """Make the votes a few seconds old: a toggle right after a vote is a double submission."""
    Vote.objects.filter(idea=idea).update(created_at=F("created_at") - timedelta(seconds=seconds))


def test_a_second_vote_by_the_same_member_takes_the_vote_back(client, idea_a, voter):
    client.force_login(voter)
    url = reverse("ideas:vote", args=[idea_a.pk])

    first = client.post(url, {"value": "1"}, **JSON)
    assert first.status_code == 200
    assert first.json() == {"value": 1, "votes": 1}
    assert Vote.objects.filter(idea=idea_a, user=voter, value=1).count() == 1

    age_votes(idea_a)  # a second click a few seconds later
    second = client.post(url, {"value": "1"}, **JSON)
    assert second.status_code == 200
    assert second.json() == {"value": None, "votes": 0}
    assert not Vote.objects.filter(idea=idea_a, user=voter).exists()
    assert votes_of(idea_a) == 0


def test_the_same_vote_sent_twice_at_once_counts_once(client, idea_a, voter):
    client.force_login(voter)
    url = reverse("ideas:vote", args=[idea_a.pk])
    # A double click: the same form, saying the page showed no vote, sent twice.
    answers = [client.post(url, {"value": "1", "current": "0"}, **JSON).json() for _ in range(2)]
    assert answers == [{"value": 1, "votes": 1}, {"value": 1, "votes": 1}]
    assert Vote.objects.filter(idea=idea_a, user=voter).count() == 1
    assert votes_of(idea_a) == 1


def test_a_second_vote_from_a_plain_form_also_takes_the_vote_back(client, idea_a, voter):
    client.force_login(voter)
    url = reverse("ideas:vote", args=[idea_a.pk])
    for expected_votes in (1, 0, 1):
        response = client.post(url)  # no value: an up-vote
        assert response.status_code == 302
        assert response["Location"] == idea_a.get_absolute_url()
        assert votes_of(idea_a) == expected_votes
        age_votes(idea_a)
    assert Vote.objects.filter(idea=idea_a).count() == 1


def test_a_vote_redirects_only_to_this_site(client, idea_a, voter):
    client.force_login(voter)
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"next": "https://evil.test/"})
    assert response.status_code == 302
    assert response["Location"] == idea_a.get_absolute_url()


# --- Comments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="empty"),
        pytest.param(" \n\t \n ", id="whitespace"),
        pytest.param("Mon avis en long : " + "c" * 4_982, id="5001-chars"),
    ],
)
def test_a_bad_comment_is_refused_with_400_and_the_text_is_kept(client, idea_a, voter, body):
    client.force_login(voter)
    url = reverse("ideas:comment", args=[idea_a.pk])
    response = client.post(url, {"body": body})

    assert response.status_code == 400
    form = response.context["comment_form"]
    assert list(form.errors) == ["body"]
    assert shows(response, form.errors["body"][0])
    if body.strip():
        assert len(body) == 5_001
        assert shows(response, body)

    response = client.post(url, {"body": body}, **JSON)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]
    assert not Comment.objects.exists()


def test_a_reply_to_a_comment_of_another_idea_is_refused_with_400(client, community_a, idea_a, member_a, voter):
    other_idea = make_idea(community_a, member_a, title="Des prises USB à chaque siège")
    elsewhere = services.comment_create(idea=other_idea, author=member_a, body="Sur l’autre idée.")
    client.force_login(voter)
    url = reverse("ideas:comment", args=[idea_a.pk])

    response = client.post(url, {"body": "Une réponse égarée.", "parent": elsewhere.pk})
    assert response.status_code == 400
    assert shows(response, french("The comment you reply to does not exist."))
    assert "Une réponse égarée." in response.content.decode()  # the text typed is kept

    response = client.post(url, {"body": "Une réponse égarée.", "parent": elsewhere.pk}, **JSON)
    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]["parent"]]
    assert messages == [french("The comment you reply to does not exist.")]
    assert not Comment.objects.filter(author=voter).exists()


@pytest.mark.parametrize("parent", ["abc", "0", "-3", str(UNKNOWN_ID)])
def test_a_bad_parent_id_is_refused_with_400(client, idea_a, voter, parent):
    client.force_login(voter)
    response = client.post(reverse("ideas:comment", args=[idea_a.pk]), {"body": "Une réponse.", "parent": parent})
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_a_reply_to_a_comment_of_the_same_idea_is_accepted(client, idea_a, member_a, voter):
    # The control for the refusals above.
    first = services.comment_create(idea=idea_a, author=member_a, body="Premier commentaire.")
    client.force_login(voter)
    response = client.post(reverse("ideas:comment", args=[idea_a.pk]), {"body": "Une réponse.", "parent": first.pk})
    assert response.status_code == 302
    assert Comment.objects.get(author=voter).parent == first


@pytest.fixture
def pending_idea(community_a, member_a):
    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    idea = make_idea(community_a, member_a, title="Une idée en attente de relecture")
    assert idea.moderation_state == ModerationState.PENDING
    return idea


def test_another_member_cannot_see_or_comment_a_pending_idea(client, pending_idea, voter):
    client.force_login(voter)
    assert client.get(pending_idea.get_absolute_url()).status_code == 404
    response = client.post(reverse("ideas:comment", args=[pending_idea.pk]), {"body": "Je la vois ?"})
    assert response.status_code == 404
    response = client.post(reverse("ideas:vote", args=[pending_idea.pk]), {"value": "1"})
    assert response.status_code == 404
    assert not Comment.objects.exists()
    assert not Vote.objects.exists()


def test_the_author_sees_their_pending_idea_but_cannot_comment_yet(client, pending_idea, member_a):
    client.force_login(member_a)
    assert client.get(pending_idea.get_absolute_url()).status_code == 200
    response = client.post(reverse("ideas:comment", args=[pending_idea.pk]), {"body": "Une précision."}, **JSON)
    assert response.status_code == 409
    assert response.json() == {"error": french("This idea is not public yet.")}
    assert not Comment.objects.exists()


# --- CSRF and visitors -------------------------------------------------------------------

POST_ENDPOINTS = {
    "vote": ({"value": "1"}, lambda idea: reverse("ideas:vote", args=[idea.pk])),
    "comment": ({"body": "Sans jeton."}, lambda idea: reverse("ideas:comment", args=[idea.pk])),
    "follow": ({}, lambda idea: reverse("ideas:follow", args=[idea.pk])),
    "new": (TYPED, lambda idea: reverse("ideas:create")),
}


@pytest.mark.parametrize("name", list(POST_ENDPOINTS))
def test_a_post_without_a_csrf_token_is_forbidden(idea_a, voter, name):
    data, url_of = POST_ENDPOINTS[name]
    client = Client(enforce_csrf_checks=True)
    client.force_login(voter)

    response = client.post(url_of(idea_a), data)
    assert response.status_code == 403
    response = client.post(url_of(idea_a), data, **JSON)
    assert response.status_code == 403
    assert not Vote.objects.exists()
    assert not Comment.objects.exists()
    assert not Follow.objects.filter(user=voter).exists()
    assert Idea.objects.count() == 1


def test_a_post_with_the_csrf_token_of_the_page_is_accepted(idea_a, voter):
    # The control for the test above: the 403 comes from the missing token, nothing else.
    client = Client(enforce_csrf_checks=True)
    client.force_login(voter)
    assert client.get(idea_a.get_absolute_url()).status_code == 200
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert votes_of(idea_a) == 1


@pytest.mark.parametrize("name", ["vote", "comment", "follow"])
def test_a_visitor_who_takes_part_is_sent_to_sign_in(client, idea_a, name):
    data, url_of = POST_ENDPOINTS[name]
    url = url_of(idea_a)

    # Back to the idea after signing in (not to the POST-only address: a 405 there).
    sign_in = f"{reverse('account_login')}?next={idea_a.get_absolute_url()}"
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == sign_in

    response = client.post(url, data, **JSON)
    assert response.status_code == 401
    assert response.json() == {"error": french("Sign in to take part."), "login": sign_in}

    assert not Vote.objects.exists()
    assert not Comment.objects.exists()
    assert Follow.objects.filter(idea=idea_a).count() == 1  # the author's own


# --- Script and HTML in Markdown ---------------------------------------------------------

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}}
SAFE_HREF_PREFIXES = ("http://", "https://", "mailto:")
LINK_REL = {"nofollow", "ugc", "noopener"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
USER_CONTENT_CLASSES = {"idea__body", "comment__body"}

XSS_CORPUS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<SCRIPT SRC=https://evil.test/x.js></SCRIPT>", id="script-src-uppercase"),
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param("[x](javascript:alert(1))", id="md-javascript"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="md-javascript-mixed-case"),
    pytest.param("[x](  javascript:alert(1))", id="md-javascript-leading-spaces"),
    pytest.param("[x](<javascript:alert(1)>)", id="md-javascript-angle-brackets"),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", id="md-data-html"),
    pytest.param("[x](data:image/svg+xml,<svg onload=alert(1)>)", id="md-data-svg"),
    pytest.param("[x](vbscript:msgbox(1))", id="md-vbscript"),
    pytest.param(
        "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))", id="md-decimal-entities"
    ),
    pytest.param("[x](&#x6A;&#x61;vascript&#x3A;alert(1))", id="md-hex-entities"),
    pytest.param("[x](javascript&colon;alert(1))", id="md-named-entity-colon"),
    pytest.param("[x](java&#9;script:alert(1))", id="md-entity-tab"),
    pytest.param("[x](java&#x0A;script:alert(1))", id="md-entity-newline"),
    pytest.param("[x](&#0000106&#0000097vascript:alert(1))", id="md-padded-entities"),
    pytest.param("[x](java\u200bscript:alert(1))", id="md-zero-width-space"),
    pytest.param("[x](javascript\u3000:alert(1))", id="md-ideographic-space"),
    pytest.param("[x][r]\n\n[r]: javascript:alert(1)", id="md-reference-javascript"),
    pytest.param('[x][r]\n\n[r]: JAVASCRIPT:alert(1) "titre"', id="md-reference-javascript-title"),
    pytest.param("![x](javascript:alert(1))", id="md-image-javascript"),
    pytest.param('![x](https://evil.test/x.png" onerror="alert(1))', id="md-image-onerror"),
    pytest.param("**[gras](javascript:alert(1))**", id="md-nested-javascript"),
    pytest.param("[<img src=x onerror=alert(1)>](https://example.test)", id="md-link-text-html"),
    pytest.param('[x](https://example.test "a" onclick="alert(1)")', id="md-title-breaks-quotes"),
    pytest.param("<javascript:alert(1)>", id="md-autolink-javascript"),
    pytest.param('<https://example.test/"onmouseover="alert(1)>', id="md-autolink-breaks-quotes"),
    pytest.param('<a href="https://example.test" onclick="alert(1)">x</a>', id="a-onclick"),
    pytest.param('<a href="javascript:alert(1)">x</a>', id="a-javascript"),
    pytest.param('"><script>alert(1)</script>', id="attribute-breaking-quotes"),
    pytest.param("'><img src=x onerror=alert(1)>", id="attribute-breaking-single-quote"),
    pytest.param("<div><p><b onmouseover=alert(1)>gras", id="unclosed-tags"),
    pytest.param("<scr<script>ipt>alert(1)</script>", id="nested-script"),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe"),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object"),
    pytest.param('<embed src="javascript:alert(1)">', id="embed"),
    pytest.param('<style>body{background:url("javascript:alert(1)")}</style>', id="style-tag"),
    pytest.param('<p style="background:url(javascript:alert(1))">x</p>', id="style-attribute"),
    pytest.param("<!-- --><script>alert(1)</script> -->", id="html-comment-escape"),
    pytest.param("<!--<img src=x onerror=alert(1)>-->", id="html-comment"),
    pytest.param("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", id="math-mglyph"),
    pytest.param('<math href="javascript:alert(1)">x</math>', id="math-href"),
    pytest.param('<form action="javascript:alert(1)"><button>x</button></form>', id="form-action"),
    pytest.param('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', id="meta-refresh"),
    pytest.param('<base href="javascript:alert(1)//">', id="base-href"),
    pytest.param("<details open ontoggle=alert(1)>", id="details-ontoggle"),
    pytest.param("&lt;script&gt;alert(1)&lt;/script&gt;", id="entity-encoded-script"),
    pytest.param("> <script>alert(1)</script>", id="blockquote-script"),
    pytest.param("`<script>alert(1)</script>`", id="inline-code-script"),
    pytest.param("```html\n<script>alert(1)</script>\n```", id="fenced-code-script"),
]


class UserContent(HTMLParser):
    """Collects the tags, with their attributes, inside the elements that hold members' Markdown."""

    def __init__(self, classes=frozenset(USER_CONTENT_CLASSES)) -> None:
        super().__init__(convert_charrefs=True)
        self.classes = set(classes)
        self.depth = 0  # > 0 while inside a member's content
        self.regions: list[str] = []  # the classes of the user-content elements found
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.tags.append((tag, attrs))
            if tag not in VOID_TAGS:
                self.depth += 1
            return
        found = self.classes & set((dict(attrs).get("class") or "").split())
        if found and tag not in VOID_TAGS:
            self.regions.extend(found)
            self.depth = 1

    def handle_startendtag(self, tag, attrs):
        if self.depth:
            self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID_TAGS:
            self.depth -= 1


def markup_problems(html: str) -> tuple[list[str], list[str]]:
    """(the user-content regions found, what in them breaks the allow-list)."""
    parser = UserContent()
    parser.feed(html)
    parser.close()
    problems = []
    for tag, attrs in parser.tags:
        if tag not in ALLOWED_TAGS:
            problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"event handler {name} on <{tag}>")
            elif name == "style":
                problems.append(f"style on <{tag}>")
            elif name not in ALLOWED_ATTRIBUTES.get(tag, ()):
                problems.append(f"attribute {name} on <{tag}>")
            elif name == "href" and not (value or "").startswith(SAFE_HREF_PREFIXES):
                problems.append(f"href {value!r}")
        if tag == "a":
            rel = set((dict(attrs).get("rel") or "").split())
            if not LINK_REL.issubset(rel):
                problems.append(f"<a> with rel {sorted(rel)}")
    return parser.regions, problems


def test_the_markup_checker_catches_what_it_must():
    # The checker of the tests below must be able to fail.
    page = (
        '<p><b>outside</b></p><div class="idea__body prose"><p onclick="x" style="y">t</p><img src="x">'
        '<a href="javascript:alert(1)" rel="nofollow">a</a><a href="/relative" rel="nofollow ugc noopener">b</a></div>'
        '<div class="comment__body prose"><script>alert(1)</script><br></div>'
        '<div class="comment__body"><a href="https://ok.test" rel="nofollow ugc noopener">ok</a></div>'
    )
    regions, problems = markup_problems(page)
    assert sorted(regions) == ["comment__body", "comment__body", "idea__body"]
    assert problems == [
        "event handler onclick on <p>",
        "style on <p>",
        "tag <img>",
        "attribute src on <img>",
        "href 'javascript:alert(1)'",
        "<a> with rel ['nofollow']",
        "href '/relative'",
        "tag <script>",
    ]


def test_safe_markdown_keeps_its_formatting():
    html = render_markdown(
        "# Titre\n\n**gras** et *italique*, [lien](https://example.test) et <https://example.test/auto>\n\n"
        "- un\n- deux\n\n> cité\n\n`code`\n\n---\n\n[écrire](mailto:equipe@example.test)"
    )
    regions, problems = markup_problems(f'<div class="idea__body">{html}</div>')
    assert regions == ["idea__body"]
    assert problems == []
    for tag in ("<h3>", "<strong>", "<em>", "<ul>", "<li>", "<blockquote>", "<code>", "<hr>"):
        assert tag in html
    assert 'href="https://example.test"' in html
    assert 'href="mailto:equipe@example.test"' in html


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_render_markdown_keeps_no_markup_outside_the_allow_list(payload):
    html = render_markdown(payload)
    regions, problems = markup_problems(f'<div class="idea__body">{html}</div>')
    assert regions == ["idea__body"]
    assert problems == [], html


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_script_in_an_idea_and_a_comment_never_comes_back_as_markup(client, member_a, payload):
    client.force_login(member_a)
    response = client.post(reverse("ideas:create"), {"title": "Une idée piégée", "body": payload, "tags": ""})
    assert response.status_code == 302, "the payload was refused instead of being shown as text"
    idea = Idea.objects.get()
    response = client.post(reverse("ideas:comment", args=[idea.pk]), {"body": payload})
    assert response.status_code == 302
    assert Comment.objects.filter(idea=idea).count() == 1

    page = client.get(idea.get_absolute_url())
    assert page.status_code == 200
    regions, problems = markup_problems(text_of(page))
    assert sorted(regions) == ["comment__body", "idea__body"]
    assert problems == []
