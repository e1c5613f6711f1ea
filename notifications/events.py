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
            public_only=True,
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
            public_only=True,
        ),
        [Audience(Kind.STATUS, followers_of=idea.pk)],
        exclude=[change.changed_by_id] if change.changed_by_id else [],
    )


def comment_published(comment, *, mentions_only: bool = False) -> None:
    """A comment's revision was approved: the people it names, the comment it answers, the
    idea's author, then the idea's followers — each told once, in that order of precedence.

    `mentions_only` for a later revision (an edit approved, a comment approved again after
    a hide): only the members it names hear of it, under the comment's own key, so that
    nobody already told of this comment is told again.
    """
    idea = comment.idea
    author = comment.author
    audiences = [Audience(Kind.MENTION, users=tuple(comment.mentions.values_list("pk", flat=True)))]
    if not mentions_only:
        if comment.parent_id and comment.parent.author_id:
            audiences.append(Audience(Kind.REPLY, users=(comment.parent.author_id,)))
        if idea.author_id:
            audiences.append(Audience(Kind.COMMENT_ON_MINE, users=(idea.author_id,)))
        audiences.append(Audience(Kind.COMMENT_FOLLOWED, followers_of=idea.pk))
    elif not audiences[0].users:
        return
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
            comment_id=comment.pk,
        ),
        audiences,
        exclude=[comment.author_id] if comment.author_id else [],
    )


def idea_merged(merge, *, followers: tuple[int, ...]) -> None:
    """A duplicate was merged into its original: its author and the followers of both hear
    of it once, with a link to the original. `followers` are the duplicate's (they follow the original
    from now on); the original's are read at delivery. The original's followers hear of a
    duplicate that was never public only if they followed it."""
    duplicate, original = merge.duplicate, merge.original
    # Its author first, even one who stopped following it or whose idea was still held.
    audiences = [Audience(Kind.MERGE, users=(duplicate.author_id,) if duplicate.author_id else ())]
    audiences.append(Audience(Kind.MERGE, users=followers))
    if duplicate.is_public:
        audiences.append(Audience(Kind.MERGE, followers_of=original.pk))
    announce(
        Event(
            key=f"merge:{merge.pk}",
            community_id=original.community_id,
            idea_id=original.pk,
            actor_id=merge.merged_by_id,
            url=original.get_absolute_url(),
            data={"title": duplicate.title, "original": original.title},
            public_only=True,
        ),
        audiences,
        exclude=[merge.merged_by_id] if merge.merged_by_id else [],
    )


def _response_event(response, step: str, key: str, actor) -> Event:
    idea = response.idea
    return Event(
        key=key,
        community_id=idea.community_id,
        idea_id=idea.pk,
        actor_id=actor.pk if actor else None,
        url=f"{idea.get_absolute_url()}#official-response",
        data={
            "step": step,
            "title": idea.title,
            "actor": actor.public_name if actor else "",
            "excerpt": _excerpt(response.body_html),
        },
    )


def response_submitted(response, *, by, managers: tuple[int, ...]) -> None:
    """A response awaits a second manager's approval: the community's other managers hear
    of it. Keyed by the submission's time: a response sent back to draft and submitted
    again is a new request."""
    stamp = int(response.updated_at.timestamp())
    announce(
        _response_event(response, "submitted", f"response:{response.pk}:submitted:{stamp}", by),
        [Audience(Kind.RESPONSE_FLOW, users=managers)],
        exclude=[by.pk],
    )


def response_approved(response) -> None:
    """The author of a response hears that another manager approved it."""
    if response.author_id is None:
        return
    stamp = int(response.approved_at.timestamp())
    announce(
        _response_event(response, "approved", f"response:{response.pk}:approved:{stamp}", response.approved_by),
        [Audience(Kind.RESPONSE_FLOW, users=(response.author_id,))],
        exclude=[response.approved_by_id] if response.approved_by_id else [],
    )


def response_published(response, *, scheduled: bool) -> None:
    """The publishing task put a response online: its author hears of it when someone
    else published it or when it went out at a scheduled time (then the manager who
    scheduled it hears of it too). Whoever clicked "publish now" saw it happen."""
    publisher = response.published_by
    recipients = set()
    if response.author_id and (scheduled or response.author_id != response.published_by_id):
        recipients.add(response.author_id)
    if scheduled and response.published_by_id:
        recipients.add(response.published_by_id)
    if not recipients:
        return
    announce(
        _response_event(response, "published", f"response:{response.pk}:published", publisher),
        [Audience(Kind.RESPONSE_FLOW, users=tuple(sorted(recipients)))],
    )


def sanction_imposed(sanction) -> None:
    """A suspended or banned member hears why, where, and until when."""
    announce(
        Event(
            key=f"sanction:{sanction.pk}",
            community_id=sanction.community_id,
            data={
                "sanction": sanction.kind,
                "reason": sanction.reason,
                "until": sanction.until.isoformat() if sanction.until else "",
            },
        ),
        [Audience(Kind.SANCTION, users=(sanction.user_id,))],
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
