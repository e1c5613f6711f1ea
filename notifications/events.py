"""The events other apps announce, turned into notifications (one function per event).

Each builds an `Event` with the words it needs frozen in `data`, names its audiences in
order of precedence, and emits it after the caller's transaction commits.
"""

from __future__ import annotations

from django.utils.html import strip_tags

from notifications.models import Kind
from notifications.services import Announcement, Audience, Event, emit

EXCERPT_LENGTH = 300


def _excerpt(html: str) -> str:
    text = " ".join(strip_tags(html).split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


def announce(event: Event, audiences: list[Audience], *, exclude: list[int] | tuple = ()) -> None:
    emit(Announcement(event, tuple(audiences), exclude=tuple(exclude)))


def _status_names(status) -> dict:
    return {"status_fr": status.name_fr, "status_en": status.name_en} if status else {}


def response_announcement(response) -> Announcement:
    """Followers of the idea hear the brand's answer (and its status change, if any).
    Delivered by the publishing task itself, not queued."""
    idea = response.idea
    speaker = response.published_by or response.author
    return Announcement(
        Event(
            key=f"response:{response.pk}",
            community_id=idea.community_id,
            idea_id=idea.pk,
            actor_id=speaker.pk if speaker else None,
            url=f"{idea.get_absolute_url()}#official-response",
            data={
                "title": idea.title,
                "actor": speaker.public_name if speaker else "",
                "excerpt": _excerpt(response.body_html),
                **_status_names(response.status),
            },
        ),
        (Audience(Kind.RESPONSE, followers_of=idea.pk),),
        exclude=(speaker.pk,) if speaker else (),
    )


def status_changed(change) -> None:
    """A status change made without a response (the admin, a merge)."""
    idea = change.idea
    announce(
        Event(
            key=f"status:{change.pk}",
            community_id=idea.community_id,
            idea_id=idea.pk,
            actor_id=change.changed_by_id,
            url=idea.get_absolute_url(),
            data={"title": idea.title, "reason": change.reason, **_status_names(change.to_status)},
        ),
        [Audience(Kind.STATUS, followers_of=idea.pk)],
        exclude=[change.changed_by_id] if change.changed_by_id else [],
    )


def comment_published(comment) -> None:
    """A comment became public: the people it names, the comment it answers, the idea's
    author, then the idea's followers — each told once, in that order of precedence."""
    idea = comment.idea
    author = comment.author
    audiences = [Audience(Kind.MENTION, users=tuple(comment.mentions.values_list("pk", flat=True)))]
    if comment.parent_id and comment.parent.author_id:
        audiences.append(Audience(Kind.REPLY, users=(comment.parent.author_id,)))
    if idea.author_id:
        audiences.append(Audience(Kind.COMMENT_ON_MINE, users=(idea.author_id,)))
    audiences.append(Audience(Kind.COMMENT_FOLLOWED, followers_of=idea.pk))
    announce(
        Event(
            key=f"comment:{comment.pk}",
            community_id=idea.community_id,
            idea_id=idea.pk,
            actor_id=comment.author_id,
            url=f"{idea.get_absolute_url()}#comment-{comment.pk}",
            data={
                "title": idea.title,
                "actor": author.public_name if author else "",
                "excerpt": _excerpt(comment.body_html),
            },
        ),
        audiences,
        exclude=[comment.author_id] if comment.author_id else [],
    )


def moderation_decided(decision) -> None:
    """The author hears a moderator's decision on their content, with the message."""
    item = decision.item
    if item.author_id is None:
        return
    content = item.content
    is_idea = item.kind == "idea"
    idea = content if is_idea else content.idea
    announce(
        Event(
            key=f"moderation:{decision.pk}",
            community_id=item.community_id,
            idea_id=idea.pk,
            url=idea.get_absolute_url() if is_idea else f"{idea.get_absolute_url()}#comment-{content.pk}",
            data={
                "outcome": decision.outcome,
                "message": decision.message,
                "title": content.title if is_idea else _excerpt(content.body_html)[:200],
            },
        ),
        [Audience(Kind.MODERATION, users=(item.author_id,))],
    )


def badge_awarded(award) -> None:
    """The member hears of a badge they earned."""
    announce(
        Event(
            key=f"badge:{award.pk}",
            community_id=award.community_id,
            url=f"/u/{award.user.username}/",
            data={"badge": str(award.get_badge_display()), "badge_slug": award.badge},
        ),
        [Audience(Kind.BADGE, users=(award.user_id,))],
    )
