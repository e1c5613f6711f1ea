"""Team alerts: readable messages for Slack and Teams, in the community's language, with
links on its domain, never quoting what is held."""

from __future__ import annotations

import json

from community.models import ModerationItem, ModerationMode, ModerationRule
from integrations.models import Kind, WebhookDelivery
from tests.factories import make_idea
from tests.integrations.conftest import make_endpoint, publish

ALERTS = ["idea.threshold_reached", "response.submitted", "moderation.held", "idea.flagged", "idea.posted"]


def slack_text(receiver) -> str:
    [request] = receiver.requests
    assert "webhook-signature" not in request.headers  # those services do not verify
    return json.loads(request.body)["text"]


def test_a_slack_alert_for_an_idea_over_the_threshold_reads_well_in_french(
    community_a, receiver, idea_a, django_capture_on_commit_callbacks
):
    make_endpoint(community_a, receiver.url, ALERTS, kind=Kind.SLACK)
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.threshold_reached", community_a, idea_a, votes=51, threshold=50)

    text = slack_text(receiver)
    assert text.startswith(f"*<{idea_a.community.absolute_url(idea_a.get_absolute_url())}|")
    assert "ideas.brand-a.test" in text
    assert "Idée au-dessus du seuil de réponse" in text
    assert "« Du Wi-Fi stable dans tous les trains » a 51 votes (seuil : 50)" in text or (
        "“Du Wi-Fi stable dans tous les trains” a 51 votes (seuil : 50)" in text
    )


def test_an_english_community_gets_english_alerts(community_b, member_b, receiver, django_capture_on_commit_callbacks):
    community_b.default_language = "en"
    community_b.save()
    idea = make_idea(community_b, member_b, title="Quiet carriages")
    make_endpoint(community_b, receiver.url, ALERTS, kind=Kind.SLACK)
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.flagged", community_b, idea, flags=3)

    text = slack_text(receiver)
    assert "“Quiet carriages” was reported by 3 members." in text
    assert "ideas.brand-b.test" in text


def test_a_held_item_alert_links_the_review_queue_and_quotes_nothing(
    community_a, member_a, receiver, django_capture_on_commit_callbacks
):
    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    ModerationRule.objects.update_or_create(community=community_a, defaults={"new_member_hold_count": 5})
    make_endpoint(community_a, receiver.url, ALERTS, kind=Kind.SLACK)
    with django_capture_on_commit_callbacks(execute=True):  # through the real service
        idea = make_idea(community_a, member_a, title="Titre retenu <script>", body="Corps retenu")
    assert ModerationItem.objects.filter(idea=idea).exists()

    text = slack_text(receiver)
    assert "Une idée attend la modération." in text
    assert "ideas.brand-a.test/admin/community/moderationitem/review/" in text
    assert "retenu" not in text


def test_a_teams_alert_is_an_adaptive_card_with_a_link(
    community_a, receiver, idea_a, brand_manager_a, django_capture_on_commit_callbacks
):
    from ideas.models import OfficialResponse

    response = OfficialResponse.objects.create(
        idea=idea_a, author=brand_manager_a, body="Brouillon", state="awaiting_approval"
    )
    make_endpoint(community_a, receiver.url, ALERTS, kind=Kind.TEAMS)
    with django_capture_on_commit_callbacks(execute=True):
        publish("response.submitted", community_a, response, managers=[], actor=brand_manager_a)

    [request] = receiver.requests
    body = json.loads(request.body)
    card = body["attachments"][0]["content"]
    assert body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [block["text"] for block in card["body"]]
    assert texts[0] == "Brand A"
    assert texts[1] == "Réponse en attente d’approbation"
    assert "Du Wi-Fi stable dans tous les trains" in texts[2]
    assert "Brouillon" not in request.body.decode()  # the draft stays in the site
    [action] = card["actions"]
    assert action["type"] == "Action.OpenUrl"
    assert "ideas.brand-a.test" in action["url"]


def test_any_other_event_gets_a_generic_line(community_a, receiver, idea_a, django_capture_on_commit_callbacks):
    make_endpoint(community_a, receiver.url, ALERTS, kind=Kind.SLACK)
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.posted", community_a, idea_a)

    text = slack_text(receiver)
    assert "Idée publiée" in text
    assert "Du Wi-Fi stable dans tous les trains" in text
    assert WebhookDelivery.objects.get().state == "delivered"


def test_slack_control_characters_are_escaped(community_a, member_a, receiver, django_capture_on_commit_callbacks):
    idea = make_idea(community_a, member_a, title="Trains <!channel> & gares")
    make_endpoint(community_a, receiver.url, ALERTS, kind=Kind.SLACK)
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.posted", community_a, idea)
    text = slack_text(receiver)
    assert "&lt;!channel&gt; &amp; gares" in text
    assert "<!channel>" not in text
