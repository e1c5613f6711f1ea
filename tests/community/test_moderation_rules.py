"""The automatic rules, each on both sides: what trips it and what does not.

PRODUCT §4: banned words (per community, accent- and case-insensitive, whole words), too
many links, shouting, the same text posted again, a new account's first posts, posting
rate. The rules are plain functions (community/moderation/rules.py); `evaluate` runs them
all on a `Submission` and names the reasons. The last tests check that the counts the
pipeline feeds them (trust, roles) come from the database as documented.
"""

from __future__ import annotations

import pytest

from community.models import ModerationItem, ModerationRule
from community.moderation.rules import (
    SHOUTING_MIN_LETTERS,
    Submission,
    evaluate,
    has_banned_words,
    has_too_many_links,
    is_shouting,
)
from community.moderation.services import rule_for
from ideas.services import idea_create

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

BANNED = ["arnaque", "con", "mot de passe"]


def submission(text: str = "Des prises électriques à chaque siège, pour travailler.", **counts) -> Submission:
    """A clean submission by an established member, unless the test says otherwise."""
    fields = {
        "text": text,
        "author_id": 1,
        "community_id": 1,
        "kind": "idea",
        "content_id": 1,
        "approved_before": 5,
        "trusted": False,
        "posts_last_hour": 1,
        "same_text_elsewhere": False,
    }
    fields.update(counts)
    return Submission(**fields)


def rule(**fields) -> ModerationRule:
    """A community's rules as a moderator set them (not saved: the rules are pure)."""
    values = {
        "banned_words": "\n".join(BANNED),
        "max_links": 3,
        "new_member_hold_count": 0,
        "max_posts_per_hour": 10,
        "flag_threshold": 3.0,
        "use_spam_check": False,
    }
    values.update(fields)
    return ModerationRule(**values)


# --- Banned words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "C'est une arnaque.",
        "C'est une ARNAQUE !",
        "Je me suis fait arnaqué au guichet",  # the accent is ignored: "arnaqué" folds to "arnaque"
        "Arnaque à la gare",
        "l'arnaque du siècle",  # an apostrophe ends a word
        "Quel con",
        "Donnez-moi votre MOT DE PASSE",
        "Donnez-moi votre mot  de\npasse",  # spacing does not matter inside a phrase
    ],
)
def test_a_banned_word_trips_whatever_its_case_and_accents(text):
    assert has_banned_words(text, BANNED)


@pytest.mark.parametrize(
    "text",
    [
        "Plus de confort en seconde classe",  # "con" inside a longer word
        "Le contrôleur était très aimable",
        "Une arnaqueuse ? Non, une erreur de caisse.",  # "arnaque" inside a longer word
        "Le mot est juste, la passe aussi",  # the words of a phrase, but not together
        "Un trajet sans histoire",
    ],
)
def test_a_banned_word_inside_another_word_or_a_broken_phrase_does_not_trip(text):
    assert not has_banned_words(text, BANNED)


def test_the_banned_list_itself_ignores_accents_and_case():
    assert has_banned_words("une arnaque", ["ARNAQUÉ"])
    assert has_banned_words("Quelle ÉNORME arnaque", ["énorme arnaque"])


def test_an_empty_banned_list_never_trips():
    assert not has_banned_words("arnaque con mot de passe", [])
    assert not has_banned_words("arnaque", ["", "   "])


def test_the_community_list_is_one_entry_per_line():
    assert rule(banned_words="arnaque\n\n  mot de passe  \n").banned_list() == ["arnaque", "mot de passe"]


def test_evaluate_names_banned_words():
    assert evaluate(submission("ARNAQUE totale sur les billets"), rule()) == ["banned_words"]
    assert evaluate(submission("Le confort des contrôleurs"), rule()) == []


# --- Links -------------------------------------------------------------------------------


def test_links_up_to_the_limit_pass_and_one_more_trips():
    two = "Voir http://exemple.fr et https://horaires.exemple.fr"
    assert not has_too_many_links(two, 2)
    assert has_too_many_links(two + " ou www.exemple.org", 2)


@pytest.mark.parametrize("link", ["http://exemple.fr", "https://exemple.fr", "www.exemple.fr", "HTTPS://EXEMPLE.FR"])
def test_every_kind_of_address_counts(link):
    assert not has_too_many_links(f"Voir {link}", 1)
    assert has_too_many_links(f"Voir {link}", 0)


def test_text_without_addresses_has_no_links():
    assert not has_too_many_links("Le site de la SNCF, rubrique horaires", 0)


def test_an_address_with_www_counts_as_one_link():
    text = "Les horaires : https://www.sncf-connect.com et http://www.ter.sncf.com"
    assert not has_too_many_links(text, 2)


def test_evaluate_names_links():
    text = "http://a.fr http://b.fr http://c.fr http://d.fr"
    assert evaluate(submission(text), rule(max_links=3)) == ["links"]
    assert evaluate(submission(text), rule(max_links=4)) == []


# --- Shouting ----------------------------------------------------------------------------


def test_a_short_text_in_capitals_is_not_shouting():
    assert not is_shouting("TGV EN RETARD")
    assert not is_shouting("A" * (SHOUTING_MIN_LETTERS - 1))


def test_a_long_text_in_capitals_is_shouting():
    assert is_shouting("LES TRAINS SONT TOUJOURS EN RETARD")
    assert is_shouting("A" * SHOUTING_MIN_LETTERS)


def test_shouting_starts_at_seventy_percent_of_capitals():
    assert is_shouting("A" * 14 + "b" * 6)  # 70 %
    assert not is_shouting("A" * 13 + "b" * 7)  # 65 %
    assert not is_shouting("TOUS LES TRAINS SONT EN RETARD ce matin encore")  # 66 %


def test_accented_capitals_count_as_capitals():
    # 35 capitals out of 41 letters; without the accented ones it would be 58 %.
    assert is_shouting("ÉTÉ DÉJÀ PRÉVU : ÉVÉNEMENT ÉLÉGANT À L'ÉCOLE, élèves")


def test_digits_and_punctuation_are_not_letters():
    assert not is_shouting("TGV 8541 !!! 12:45 -> 13:10 ??? 2024")


def test_evaluate_names_shouting():
    assert evaluate(submission("LES TRAINS SONT TOUJOURS EN RETARD"), rule()) == ["shouting"]
    assert evaluate(submission("Les trains sont toujours en retard"), rule()) == []


# --- The same text again -----------------------------------------------------------------


def test_evaluate_names_a_duplicate():
    assert evaluate(submission(same_text_elsewhere=True), rule()) == ["duplicate"]
    assert evaluate(submission(same_text_elsewhere=False), rule()) == []


def test_posting_the_same_idea_again_is_held(member_a, community_a, django_capture_on_commit_callbacks):
    texts = []
    for title in ("Du Wi-Fi dans les trains", "DU WI-FI DANS LES TRAINS !", "Du Wi-Fi dans les bus"):
        with django_capture_on_commit_callbacks(execute=True):
            idea = idea_create(community=community_a, author=member_a, title=title, body="Pour travailler en route.")
        texts.append(ModerationItem.objects.get(idea=idea).reasons)
    # Case and punctuation do not make a new text; another word does.
    assert texts == ["", "duplicate", ""]


def test_the_same_text_by_someone_else_is_not_a_duplicate(
    member_a, member_b, community_a, django_capture_on_commit_callbacks
):
    for author in (member_a, member_b):
        with django_capture_on_commit_callbacks(execute=True):
            idea = idea_create(
                community=community_a, author=author, title="Du Wi-Fi dans les trains", body="Pour travailler."
            )
    assert ModerationItem.objects.get(idea=idea).state == "approved"


# --- A new member's first posts ------------------------------------------------------------


def test_a_hold_count_of_zero_holds_nobody():
    assert "new_member" not in evaluate(submission(approved_before=0), rule(new_member_hold_count=0))


@pytest.mark.parametrize(("approved_before", "held"), [(0, True), (1, True), (2, False), (7, False)])
def test_a_hold_count_of_two_holds_the_first_two_posts(approved_before, held):
    reasons = evaluate(submission(approved_before=approved_before), rule(new_member_hold_count=2))
    assert ("new_member" in reasons) is held


def test_a_trusted_member_is_never_held():
    assert evaluate(submission(approved_before=0, trusted=True), rule(new_member_hold_count=2)) == []


@pytest.mark.parametrize("persona", ["moderator_a", "admin_a"])
def test_a_moderator_first_post_is_never_held(request, persona, community_a, django_capture_on_commit_callbacks):
    moderator = request.getfixturevalue(persona)
    rule = rule_for(community_a)
    rule.new_member_hold_count = 2
    rule.save()
    with django_capture_on_commit_callbacks(execute=True):
        idea = idea_create(community=community_a, author=moderator, title="Des bancs en gare", body="Et à l'ombre.")
    item = ModerationItem.objects.get(idea=idea)
    assert item.state == "approved"
    assert "new_member" not in item.reason_codes()


def test_a_new_member_first_post_is_held_through_the_pipeline(
    member_a, community_a, django_capture_on_commit_callbacks
):
    rule = rule_for(community_a)
    rule.new_member_hold_count = 2
    rule.save()
    with django_capture_on_commit_callbacks(execute=True):
        idea = idea_create(community=community_a, author=member_a, title="Des bancs en gare", body="Et à l'ombre.")
    item = ModerationItem.objects.get(idea=idea)
    assert item.state == "held"
    assert item.reason_codes() == ["new_member"]


# --- Posting rate ------------------------------------------------------------------------


@pytest.mark.parametrize(("posts", "trips"), [(1, False), (10, False), (11, True), (40, True)])
def test_posting_faster_than_the_hourly_limit_trips(posts, trips):
    assert ("rate" in evaluate(submission(posts_last_hour=posts), rule(max_posts_per_hour=10))) is trips


def test_the_rate_rule_counts_this_post_too(member_a, community_a, django_capture_on_commit_callbacks):
    """With two posts an hour allowed, the first two pass and the third is held."""
    rule = rule_for(community_a)
    rule.max_posts_per_hour = 2
    rule.save()
    states = []
    for title in ("Des bancs en gare", "Des horloges lisibles", "Des quais abrités"):
        with django_capture_on_commit_callbacks(execute=True):
            idea = idea_create(community=community_a, author=member_a, title=title, body=f"{title}, partout.")
        item = ModerationItem.objects.get(idea=idea)
        states.append((item.state, item.reasons))
    assert states == [("approved", ""), ("approved", ""), ("held", "rate")]


# --- All together ------------------------------------------------------------------------


def test_a_clean_submission_trips_nothing():
    assert evaluate(submission(), rule()) == []


def test_every_rule_that_trips_is_named():
    text = "ARNAQUE SUR HTTP://A.FR HTTP://B.FR ET WWW.C.FR, VOTRE MOT DE PASSE SVP"
    reasons = evaluate(
        submission(text, approved_before=0, posts_last_hour=3, same_text_elsewhere=True),
        rule(max_links=2, new_member_hold_count=1, max_posts_per_hour=2),
    )
    assert reasons == ["banned_words", "links", "shouting", "duplicate", "new_member", "rate"]
