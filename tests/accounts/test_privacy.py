"""Privacy (PRODUCT.md §7): export all my data through a signed, expiring link, and delete
my account — content kept under "Former member", personal data erased."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from accounts.models import Badge, BadgeAward, DataExport, PointEvent, Reputation, User
from accounts.privacy import account_delete, export_build, exports_purge
from community.models import Flag, Membership, ModerationItem, Role
from community.moderation.services import flag_create, moderation_decide
from config.client_ip import ClientInfo
from ideas.models import Comment, Follow, IdeaImage, IdeaStats, Vote
from ideas.services import comment_create, vote_toggle
from notifications.models import Notification, Preference
from tests.factories import PASSWORD, MembershipFactory, UserFactory, make_idea

HOST_A = "ideas.brand-a.test"
LINK = re.compile(r"https?://[^\s]+")

# What the other member writes and is: none of it may reach member_a's archive.
OTHER = {
    "username": "olivia-other",
    "email": "olivia.private@example.test",
    "display_name": "Olivia Outsider",
}
OTHER_COMMENT = "Olivia's own remark about the trains"
OTHER_IDEA = "Des trains plus propres"
MY_COMMENT = "Member A thinks cleaner trains matter"


@pytest.fixture(autouse=True)
def file_roots(settings, tmp_path) -> tuple[Path, Path]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT


def png() -> ContentFile:
    output = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(output, format="PNG")
    return ContentFile(output.getvalue())


@pytest.fixture
def other(community_a):
    user = UserFactory(**OTHER)
    MembershipFactory(user=user, community=community_a, role=Role.MEMBER)
    return user


@pytest.fixture
def history(community_a, member_a, other, idea_a, moderator_a, django_capture_on_commit_callbacks):
    """Member A and another member acting on the same ideas, notifications included."""
    with django_capture_on_commit_callbacks(execute=True):
        others_idea = make_idea(community_a, other, title=OTHER_IDEA, body="Olivia's idea body.")
        others_comment = comment_create(idea=idea_a, author=other, body=OTHER_COMMENT)
        vote_toggle(idea=idea_a, user=other)
        vote_toggle(idea=others_idea, user=member_a)
        my_comment = comment_create(
            idea=others_idea, author=member_a, body=MY_COMMENT, client=ClientInfo(ip="203.0.113.7", user_agent="UA/1")
        )
    with django_capture_on_commit_callbacks(execute=True):
        item = ModerationItem.objects.get(comment=my_comment, revision=my_comment.revision)
        moderation_decide(item=item, moderator=moderator_a, outcome="hide", message="Please stay on topic.")
        flag_create(content=others_comment, flagger=member_a, reason=Flag.Reason.SPAM, note="Looks like an ad")
    # Whatever the reputation hooks awarded, a known standing to find in the archive.
    PointEvent.objects.create(user=member_a, community=community_a, kind="idea_done", key="test:done", points=50)
    Reputation.objects.update_or_create(user=member_a, community=community_a, defaults={"points": 4242})
    BadgeAward.objects.get_or_create(user=member_a, community=community_a, badge="idea_done")
    Preference.objects.create(user=member_a, kind="badge", delivery="off")
    member_a.bio = "I take the 7:42 every morning."
    member_a.avatar.save("avatar.png", png())
    IdeaImage.objects.create(idea=idea_a, image=ContentFile(png().read(), name="platform.png"))
    mail.outbox.clear()  # the notifications of all this
    return {"others_idea": others_idea, "others_comment": others_comment, "my_comment": my_comment}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def request_export(client: Client, capture) -> str:
    """Ask for an export, let the task run, return the e-mailed link."""
    with capture(execute=True):
        response = client.post(reverse("privacy_export"), HTTP_HOST=HOST_A)
    assert response.status_code == 302
    [message] = mail.outbox
    return LINK.findall(message.body)[0]


def download(client: Client, link: str):
    path = link.split(HOST_A, 1)[1]
    return client.get(path, HTTP_HOST=HOST_A)


def archive_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


# --- Export ------------------------------------------------------------------------------


def test_it_exports_exactly_the_members_data(member_a, history, idea_a, django_capture_on_commit_callbacks):
    client = signed_in(member_a)
    link = request_export(client, django_capture_on_commit_callbacks)

    response = download(client, link)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    archive = archive_of(response)
    raw = archive.read("data.json").decode()
    data = json.loads(raw)

    assert data["profile"]["username"] == "member-a"
    assert data["profile"]["email"] == "member-a@example.test"
    assert data["profile"]["display_name"] == "Member-A"
    assert data["profile"]["bio"] == "I take the 7:42 every morning."
    assert [idea["title"] for idea in data["ideas"]] == [idea_a.title]
    assert {"body", "status", "moderation_state", "created_at"} <= data["ideas"][0].keys()
    assert [comment["body"] for comment in data["comments"]] == [MY_COMMENT]
    assert [(vote["idea"]["title"], vote["value"]) for vote in data["votes"]] == [(OTHER_IDEA, 1)]
    assert {follow["idea"]["id"] for follow in data["follows"]} == {idea_a.pk, history["others_idea"].pk}
    assert data["notifications"]  # Olivia's comment and vote, the moderator's decision
    assert "Please stay on topic." in [decision["message"] for decision in data["moderation_decisions"]]
    assert [flag["note"] for flag in data["flags"]] == ["Looks like an ad"]
    assert data["points"]["totals"] == [{"community": "Brand A", "points": 4242}]
    assert 50 in [event["points"] for event in data["points"]["events"]]
    with translation.override("fr"):  # labels in the member's language (here the community's)
        assert str(Badge.IDEA_DONE.label) in [award["badge"] for award in data["badges"]]
    assert set(archive.namelist()) == {"data.json", "avatar.png", *data["files"]}
    assert any(name.startswith(f"ideas/{idea_a.pk}/") for name in archive.namelist())

    # Nothing about anyone else: not the other member, not the moderator.
    for secret in (*OTHER.values(), OTHER_COMMENT, "Olivia's idea body", "moderator-a", "Moderator-A"):
        assert secret not in raw, secret


def test_the_link_is_mailed_in_the_members_language_on_the_communitys_host(
    member_a, history, django_capture_on_commit_callbacks
):
    link = request_export(signed_in(member_a), django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["member-a@example.test"]
    assert message.subject.startswith("[Brand A]")
    assert link.startswith(f"http://{HOST_A}/accounts/privacy/export/")
    assert message.body.startswith("Bonjour Member-A,")  # no language of their own: the community's
    expires_at = timezone.localtime(DataExport.objects.get().expires_at)
    assert f"{expires_at:%Y}, {expires_at:%H:%M}" in message.body  # "… 2026, 10:45", in either language

    mail.outbox.clear()
    member_a.language = "en"
    member_a.save()
    DataExport.objects.all().delete()
    request_export(signed_in(member_a), django_capture_on_commit_callbacks)
    assert mail.outbox[0].body.startswith("Hello Member-A,")


def test_the_archive_is_stored_privately_not_under_media(member_a, history, file_roots):
    media_root, private_root = file_roots
    export = DataExport.objects.create(user=member_a)
    assert export_build(export.pk)
    export.refresh_from_db()
    stored = (private_root / export.path).resolve()
    assert stored.is_file()
    assert export.size == stored.stat().st_size
    assert not stored.is_relative_to(media_root.resolve())
    assert export.expires_at - export.ready_at == timedelta(days=7)


def test_building_twice_changes_nothing_and_mails_once(member_a, history, django_capture_on_commit_callbacks):
    export = DataExport.objects.create(user=member_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert export_build(export.pk) is True
    first = DataExport.objects.get(pk=export.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert export_build(export.pk) is False
    assert DataExport.objects.get(pk=export.pk).ready_at == first.ready_at
    assert len(mail.outbox) == 1


def test_the_link_does_not_work_for_another_account(member_a, other, history, django_capture_on_commit_callbacks):
    link = request_export(signed_in(member_a), django_capture_on_commit_callbacks)
    assert download(signed_in(other), link).status_code == 404


def test_the_link_asks_a_visitor_to_sign_in(member_a, history, django_capture_on_commit_callbacks):
    link = request_export(signed_in(member_a), django_capture_on_commit_callbacks)
    response = download(Client(), link)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_link_expires_after_seven_days(member_a, history, django_capture_on_commit_callbacks):
    client = signed_in(member_a)
    link = request_export(client, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = download(client, link)
    assert response.status_code == 400
    assert "a expiré" in response.content.decode()


def test_a_tampered_link_is_refused(member_a, history, django_capture_on_commit_callbacks):
    client = signed_in(member_a)
    link = request_export(client, django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = link.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    response = download(client, forged)
    assert response.status_code == 400
    assert "pas valide" in response.content.decode()


def test_a_deleted_file_is_gone(member_a, history, file_roots, django_capture_on_commit_callbacks):
    client = signed_in(member_a)
    link = request_export(client, django_capture_on_commit_callbacks)
    (file_roots[1] / DataExport.objects.get().path).unlink()
    assert download(client, link).status_code == 410


def test_one_export_per_hour(member_a, history, django_capture_on_commit_callbacks):
    client = signed_in(member_a)
    request_export(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("privacy_export"), HTTP_HOST=HOST_A)
    assert response.status_code == 429
    assert "moins d’une heure" in response.content.decode()
    assert DataExport.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert client.post(reverse("privacy_export"), HTTP_HOST=HOST_A).status_code == 302
    assert DataExport.objects.count() == 2


def test_the_privacy_page_shows_the_latest_export(member_a, history, django_capture_on_commit_callbacks):
    client = signed_in(member_a)
    client.post(reverse("privacy_export"), HTTP_HOST=HOST_A)  # the task never runs: still pending
    page = client.get(reverse("privacy"), HTTP_HOST=HOST_A).content.decode()
    assert 'data-testid="export-state"' in page
    assert reverse("privacy_delete") in page
    assert reverse("privacy") in client.get(reverse("profile_edit"), HTTP_HOST=HOST_A).content.decode()


def test_the_sweeper_purges_expired_exports(member_a, history, file_roots):
    export = DataExport.objects.create(user=member_a)
    export_build(export.pk)
    stored = file_roots[1] / DataExport.objects.get().path
    assert exports_purge() == 0
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert exports_purge() == 1
        assert exports_purge() == 0
    assert not stored.exists()
    assert not DataExport.objects.exists()


# --- Delete ------------------------------------------------------------------------------


def delete_account(client: Client, username: str):
    return client.post(reverse("privacy_delete"), {"username": username}, HTTP_HOST=HOST_A)


def test_deleting_keeps_every_count_exact(member_a, history, idea_a):
    others_idea = history["others_idea"]
    before = IdeaStats.objects.get(pk=others_idea.pk)
    votes_before = Vote.objects.count()
    response = delete_account(signed_in(member_a), "member-a")
    assert response.status_code == 302
    after = IdeaStats.objects.get(pk=others_idea.pk)
    assert (after.votes, after.upvotes) == (before.votes, before.upvotes) == (1, 1)
    assert Vote.objects.count() == votes_before
    assert Vote.objects.filter(user=member_a).exists()
    # Follows go (they only served notifications), and the follower counts follow.
    assert not Follow.objects.filter(user=member_a).exists()
    for idea in (idea_a, others_idea):
        assert IdeaStats.objects.get(pk=idea.pk).followers == Follow.objects.filter(idea=idea).count()


def test_deleting_anonymises_content(member_a, history, idea_a):
    delete_account(signed_in(member_a), "member-a")
    page = Client().get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A).content.decode()
    assert "Ancien membre" in page
    assert "Member-A" not in page
    assert Comment.objects.filter(pk=history["my_comment"].pk, author=member_a).exists()


def test_deleting_erases_personal_data(member_a, other, history, file_roots, django_capture_on_commit_callbacks):
    # (the hidden comment's notification was withdrawn with the hide; this one stays public)
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(idea=history["others_idea"], author=member_a, body="Still public, and signed.")
    mail.outbox.clear()
    link_client = signed_in(member_a)
    request_export(link_client, django_capture_on_commit_callbacks)
    export_file = file_roots[1] / DataExport.objects.get().path
    avatar = Path(member_a.avatar.path)
    assert avatar.is_file() and export_file.is_file()

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_account(link_client, "member-a")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")

    member = User.objects.get(pk=member_a.pk)
    assert member.username == f"former-{member.pk}"
    assert (member.email, member.display_name, member.bio, member.language, member.avatar.name) == ("", "", "", "", "")
    assert member.is_former and not member.is_active and not member.has_usable_password()
    assert not avatar.exists()
    assert not export_file.exists()
    assert not EmailAddress.objects.filter(user=member).exists()
    assert not DataExport.objects.filter(user=member).exists()
    assert not Preference.objects.filter(user=member).exists()
    assert not Notification.objects.filter(recipient=member).exists()
    assert not Membership.objects.filter(user=member).exists()
    assert not (PointEvent.objects.filter(user=member).exists() or BadgeAward.objects.filter(user=member).exists())
    assert not ModerationItem.objects.filter(author=member, ip__isnull=False).exists()
    # Olivia was told that member A commented on her idea: the name is gone from her inbox.
    told = Notification.objects.filter(recipient=other, kind="comment_mine").get()
    assert told.actor_id is None
    assert "Member-A" not in json.dumps(told.data)
    # Flags stay with the moderation record.
    assert Flag.objects.filter(flagger=member).count() == 1


def test_deleting_removes_social_accounts(member_a, history):
    if not apps.is_installed("allauth.socialaccount"):
        pytest.skip("allauth.socialaccount is not installed")
    from allauth.socialaccount.models import SocialAccount

    SocialAccount.objects.create(user=member_a, provider="google", uid="1234")
    account_delete(user=member_a)
    assert not SocialAccount.objects.filter(uid="1234").exists()


def test_deleting_signs_out_everywhere(member_a, history):
    here, elsewhere = signed_in(member_a), signed_in(member_a)
    delete_account(here, "member-a")
    for client in (here, elsewhere):
        response = client.get(reverse("profile_edit"), HTTP_HOST=HOST_A)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    live = [session.get_decoded() for session in Session.objects.all()]
    assert not any(data.get("_auth_user_id") == str(member_a.pk) for data in live)


def test_deleting_shows_a_message_on_the_home_page(member_a, history):
    client = signed_in(member_a)
    response = client.post(reverse("privacy_delete"), {"username": "member-a"}, HTTP_HOST=HOST_A, follow=True)
    assert "Votre compte est supprimé" in response.content.decode()


def test_a_former_member_has_no_public_page(member_a, history):
    assert Client().get(reverse("member", args=["member-a"]), HTTP_HOST=HOST_A).status_code == 200
    delete_account(signed_in(member_a), "member-a")
    for username in ("member-a", f"former-{member_a.pk}"):
        assert Client().get(reverse("member", args=[username]), HTTP_HOST=HOST_A).status_code == 404


def test_a_former_member_cannot_sign_in(member_a, history):
    delete_account(signed_in(member_a), "member-a")
    for login in ("member-a", "member-a@example.test", f"former-{member_a.pk}"):
        client = Client()
        client.post(reverse("account_login"), {"login": login, "password": PASSWORD}, HTTP_HOST=HOST_A)
        assert "_auth_user_id" not in client.session, login


def test_the_old_username_and_address_are_free_again(member_a, history, django_capture_on_commit_callbacks):
    delete_account(signed_in(member_a), "member-a")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("account_signup"),
            {
                "email": "member-a@example.test",
                "username": "member-a",
                "display_name": "Someone new",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
            HTTP_HOST=HOST_A,
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    newcomer = User.objects.get(username="member-a")
    assert newcomer.pk != member_a.pk


def test_a_wrong_confirmation_deletes_nothing(member_a, history):
    client = signed_in(member_a)
    response = delete_account(client, "not-my-name")
    assert response.status_code == 400
    assert "Ce n’est pas votre nom d’utilisateur" in response.content.decode()
    member = User.objects.get(pk=member_a.pk)
    assert (member.username, member.email, member.is_active, member.deleted_at) == (
        "member-a",
        "member-a@example.test",
        True,
        None,
    )
    assert client.get(reverse("profile_edit"), HTTP_HOST=HOST_A).status_code == 200


def test_the_confirmation_page_asks_for_the_username(member_a):
    page = signed_in(member_a).get(reverse("privacy_delete"), HTTP_HOST=HOST_A)
    assert page.status_code == 200
    assert "<strong>member-a</strong>" in page.content.decode()


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "privacy"), ("post", "privacy_export"), ("get", "privacy_delete"), ("post", "privacy_delete")],
)
def test_visitors_are_sent_to_sign_in(community_a, method, name):
    response = getattr(Client(), method)(reverse(name), HTTP_HOST=HOST_A)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_posts_need_a_csrf_token(member_a, history):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member_a)
    assert strict.post(reverse("privacy_delete"), {"username": "member-a"}, HTTP_HOST=HOST_A).status_code == 403
    assert strict.post(reverse("privacy_export"), HTTP_HOST=HOST_A).status_code == 403
    member = User.objects.get(pk=member_a.pk)
    assert member.is_active and member.deleted_at is None
    assert not DataExport.objects.exists()
