"""The moderation pipeline: submit, check (the task's work), decide, flag, sanction, sweep.

Every create or edit of an idea or comment calls `moderation_submit`, which records a
`ModerationItem` for the content's revision and queues `moderation.check_item` after
commit. The check is idempotent: it acts only on a `pending` item whose revision is still
the content's. Decisions change the content's `moderation_state` through the ideas
services, which keep the public counters right.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from community.models import (
    Community,
    Flag,
    Membership,
    ModerationDecision,
    ModerationItem,
    ModerationRule,
    Role,
    Sanction,
)
from community.models.moderation import OPEN_STATES, ItemState, Outcome
from community.moderation import rules, spam_check

logger = logging.getLogger(__name__)

MODERATOR_ROLES = (Role.MODERATOR, Role.ADMIN)


@dataclass(frozen=True)
class ClientInfo:
    """Where a submission came from (for the spam checker)."""

    ip: str | None = None
    user_agent: str = ""


def client_info(request) -> ClientInfo:
    return ClientInfo(ip=request.META.get("REMOTE_ADDR"), user_agent=request.headers.get("User-Agent", "")[:255])


def rule_for(community: Community) -> ModerationRule:
    rule, _created = ModerationRule.objects.get_or_create(community=community)
    return rule


# --- Sanctions ---------------------------------------------------------------------------


def active_sanction(user: User, community: Community) -> Sanction | None:
    if not user.is_authenticated:
        return None
    now = timezone.now()
    return (
        Sanction.objects.filter(user=user, community=community, lifted_at=None)
        .filter(Q(kind=Sanction.Kind.BAN) | Q(until__gt=now))
        .order_by("-created_at")
        .first()
    )


def sanction_message(sanction: Sanction) -> str:
    if sanction.kind == Sanction.Kind.BAN:
        return _("You are banned from this community: %(reason)s") % {"reason": sanction.reason}
    until = timezone.localtime(sanction.until).strftime("%d/%m/%Y %H:%M")
    return _("You are suspended from this community until %(until)s: %(reason)s") % {
        "until": until,
        "reason": sanction.reason,
    }


# --- Submit ------------------------------------------------------------------------------


def _kind_of(content) -> str:
    return ModerationItem.Kind.IDEA if content._meta.model_name == "idea" else ModerationItem.Kind.COMMENT


def _community_of(content) -> Community:
    return content.community if _kind_of(content) == ModerationItem.Kind.IDEA else content.idea.community


def moderation_submit(*, content, client: ClientInfo | None = None) -> ModerationItem:
    """Record the content's current revision for checking, and queue the check on commit.

    Call inside the transaction that saved the content. If the broker is down, the item
    stays `pending` in the database and the sweeper queues it later.
    """
    kind = _kind_of(content)
    client = client or ClientInfo()
    # What a human must still see survives an edit: open flags, and a moderator's hide or
    # rejection (the automatic check never overturns a human decision).
    carried = set()
    open_items = ModerationItem.objects.filter(
        kind=kind, **{kind: content}, state__in=OPEN_STATES, revision__lt=content.revision
    )
    if any("flags" in reasons.split() for reasons in open_items.values_list("reasons", flat=True)):
        carried.add("flags")
    if content.moderation_state in ("hidden", "rejected"):
        carried.add("after_decision")
    item, _created = ModerationItem.objects.get_or_create(
        kind=kind,
        idea=content if kind == ModerationItem.Kind.IDEA else None,
        comment=content if kind == ModerationItem.Kind.COMMENT else None,
        revision=content.revision,
        defaults={
            "community": _community_of(content),
            "author_id": content.author_id,
            "text_hash": rules.text_fingerprint(_text_of(content)),
            "reasons": " ".join(sorted(carried)),
            "ip": client.ip,
            "user_agent": client.user_agent,
        },
    )
    # Older revisions still waiting are replaced by this one.
    ModerationItem.objects.filter(
        kind=kind, idea=item.idea, comment=item.comment, state__in=OPEN_STATES, revision__lt=item.revision
    ).update(state=ItemState.SUPERSEDED, decided_at=timezone.now())
    transaction.on_commit(lambda: enqueue_check(item.pk))
    return item


def enqueue_check(item_id: int) -> None:
    from community.tasks import check_item

    try:
        check_item.delay(item_id)
    except Exception:  # the broker is down: the sweeper will queue it again
        logger.exception("Could not queue the moderation check of item %s", item_id)


# --- Check (the task's work) -------------------------------------------------------------


def _text_of(content) -> str:
    return f"{content.title}\n\n{content.body}" if hasattr(content, "title") else content.body


def submission_for(item: ModerationItem, content, rule: ModerationRule) -> rules.Submission:
    """What the rules need, in as few queries as the community's rules allow (two at most)."""
    from ideas.models import Comment, Idea, ModerationState

    author_id = content.author_id
    community = item.community
    hour_ago = timezone.now() - timedelta(hours=1)
    recent = ModerationItem.objects.filter(community=community, author_id=author_id).aggregate(
        posts_last_hour=Count("pk", filter=Q(revision=1, created_at__gte=hour_ago)),
        same_text=Count(
            "pk",
            filter=Q(text_hash=item.text_hash, created_at__gte=timezone.now() - rules.DUPLICATE_WINDOW)
            & ~Q(**{item.kind: content})
            & ~Q(text_hash=""),
        ),
    )
    approved_before, trusted = 0, True
    if rule.new_member_hold_count and author_id is not None:
        # Only communities that hold newcomers pay for these counts.
        trusted = Membership.objects.filter(
            Q(trusted_at__isnull=False) | Q(role__in=[Role.MODERATOR, Role.BRAND_MANAGER, Role.ADMIN]),
            community=community,
            user_id=author_id,
        ).exists()
        if not trusted:
            approved_before = (
                Idea.objects.filter(community=community, author_id=author_id, moderation_state=ModerationState.APPROVED)
                .exclude(pk=content.pk if item.kind == "idea" else None)
                .count()
                + Comment.objects.filter(
                    idea__community=community, author_id=author_id, moderation_state=ModerationState.APPROVED
                )
                .exclude(pk=content.pk if item.kind == "comment" else None)
                .count()
            )
    return rules.Submission(
        text=_text_of(content),
        author_id=author_id,
        community_id=community.pk,
        kind=item.kind,
        content_id=content.pk,
        approved_before=approved_before,
        trusted=trusted,
        posts_last_hour=recent["posts_last_hour"] if author_id is not None else 0,
        same_text_elsewhere=bool(recent["same_text"]) if author_id is not None else False,
    )


def moderation_check(item_id: int) -> str | None:
    """Run the rule chain for one item; return the outcome, or None when there was nothing to do.

    Idempotent: only a `pending` item whose revision is the content's current one is
    decided, and the decision claims the item with a conditional UPDATE, so a second run,
    a run racing this one, or a run for a stale revision changes nothing.
    """
    # Only what every check needs; the author is loaded when the spam checker asks.
    item = ModerationItem.objects.select_related("community", "idea", "comment").filter(pk=item_id).first()
    if item is None or item.state != ItemState.PENDING:
        return None
    content = item.content
    if content is None or content.revision != item.revision:
        ModerationItem.objects.filter(pk=item.pk, state=ItemState.PENDING).update(
            state=ItemState.SUPERSEDED, decided_at=timezone.now()
        )
        return None

    rule = _rule_of(item.community)
    reasons = [*item.reason_codes(), *rules.evaluate(submission_for(item, content, rule), rule)]
    verdict = spam_check.Verdict.NOT_CONFIGURED
    if rule.use_spam_check:
        author = item.author
        verdict = spam_check.check(
            content=_text_of(content),
            author_name=author.public_name if author else "",
            author_email=author.email if author else "",
            ip=item.ip,
            user_agent=item.user_agent,
            kind=item.kind,
        )
        if verdict in (spam_check.Verdict.SPAM, spam_check.Verdict.DISCARD):
            reasons.append("spam")
        elif verdict == spam_check.Verdict.UNAVAILABLE:
            reasons.append("spam_check_unavailable")

    if verdict == spam_check.Verdict.DISCARD:
        outcome = Outcome.REJECT
    elif reasons:
        outcome = Outcome.HOLD
    else:
        outcome = Outcome.APPROVE

    with transaction.atomic():
        claimed = ModerationItem.objects.filter(pk=item.pk, state=ItemState.PENDING).update(
            state=_ITEM_STATE[outcome],
            reasons=" ".join(dict.fromkeys(reasons))[:255],
            decided_at=None if outcome == Outcome.HOLD else timezone.now(),
        )
        if not claimed:
            return None  # another run got there first
        if "after_decision" not in reasons:  # a hidden or rejected post stays so until a human says
            _apply_to_content(content, outcome)
        ModerationDecision.objects.create(
            item_id=item.pk, outcome=outcome, automatic=True, reasons=" ".join(dict.fromkeys(reasons))[:255]
        )
    return outcome


def _rule_of(community: Community) -> ModerationRule:
    # A lookup by its unique key is cheaper than joining it into the item's query.
    return rule_for(community)


_CONTENT_STATE = {
    Outcome.APPROVE: "approved",
    Outcome.HOLD: "pending",
    Outcome.REJECT: "rejected",
    Outcome.HIDE: "hidden",
}
_ITEM_STATE = {
    Outcome.APPROVE: ItemState.APPROVED,
    Outcome.HOLD: ItemState.HELD,
    Outcome.REJECT: ItemState.REJECTED,
    Outcome.HIDE: ItemState.HIDDEN,
}


def _apply_to_content(content, outcome: str) -> None:
    from ideas.services import content_set_moderation_state

    if content.moderation_state != _CONTENT_STATE[outcome]:  # post-moderation approvals change nothing
        content_set_moderation_state(content=content, state=_CONTENT_STATE[outcome])


def _apply(item, content, outcome, *, reasons, automatic, moderator, message, trust=False) -> ModerationDecision:
    _apply_to_content(content, outcome)
    item.state = _ITEM_STATE[outcome]
    item.reasons = " ".join(dict.fromkeys(reasons))[:255]
    item.decided_at = None if outcome == Outcome.HOLD else timezone.now()
    item.save(update_fields=["state", "reasons", "decided_at"])
    return ModerationDecision.objects.create(
        item=item,
        outcome=outcome,
        automatic=automatic,
        decided_by=moderator,
        reasons=item.reasons,
        message=message,
        trusted=trust,
    )


# --- Decide (moderators) -----------------------------------------------------------------


def is_moderator_of(user: User, community: Community) -> bool:
    return (
        user.is_superuser
        or Membership.objects.filter(user=user, community=community, role__in=MODERATOR_ROLES).exists()
    )


class NotAllowed(Exception):
    pass


class StaleItem(Exception):
    """The item is about an older revision: decide the current one instead."""


@transaction.atomic
def moderation_decide(
    *, item: ModerationItem, moderator: User, outcome: str, message: str = "", trust: bool = False
) -> ModerationDecision:
    """A moderator's decision: approve (optionally trusting the author), reject or hide.

    Flags on the content are settled (upheld unless approved) and the author is told by
    e-mail, with the message, once the transaction commits.
    """
    if outcome not in (Outcome.APPROVE, Outcome.REJECT, Outcome.HIDE):
        raise ValueError(outcome)
    if not is_moderator_of(moderator, item.community):
        raise NotAllowed
    item = ModerationItem.objects.select_for_update().select_related("community").get(pk=item.pk)
    content = item.content
    if item.state == ItemState.SUPERSEDED or content is None or content.revision != item.revision:
        raise StaleItem
    decision = _apply(
        item,
        content,
        outcome,
        reasons=item.reason_codes(),
        automatic=False,
        moderator=moderator,
        message=message,
        trust=trust,
    )
    flags = Flag.objects.filter(**_flag_lookup(item.kind, content), upheld=None)
    flags.update(upheld=outcome != Outcome.APPROVE, decided_at=timezone.now())
    if trust and outcome == Outcome.APPROVE and content.author_id:
        Membership.objects.filter(community=item.community, user_id=content.author_id).update(trusted_at=timezone.now())
    if content.author_id:
        from notifications.events import moderation_decided

        moderation_decided(decision)
    cache.delete(_typical_wait_key(item.community))
    return decision


# --- Flags -------------------------------------------------------------------------------


def flagger_weight(user: User, community: Community) -> float:
    """About 1 for a new flagger; towards 2 when their flags are upheld, towards 0 when not.

    (upheld + 1) / (decided + 2) * 2: Laplace's rule, so one early mistake does not
    silence a member.
    """
    record = Flag.objects.filter(flagger=user, community=community, upheld__isnull=False).aggregate(
        decided=Count("pk"), upheld=Count("pk", filter=Q(upheld=True))
    )
    return (record["upheld"] + 1) / (record["decided"] + 2) * 2


class FlagRefused(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@transaction.atomic
def flag_create(*, content, flagger: User, reason: str, note: str = "") -> Flag:
    """Flag an idea or comment; past the community's threshold it is hidden and queued."""
    from ideas.models import ModerationState

    kind = _kind_of(content)
    community = _community_of(content)
    sanction = active_sanction(flagger, community)
    if sanction is not None:
        raise FlagRefused(sanction_message(sanction), 403)
    if content.author_id == flagger.pk:
        raise FlagRefused(_("You cannot flag your own post."))
    if reason not in Flag.Reason.values:
        raise FlagRefused(_("Pick a reason."))
    if Flag.objects.filter(flagger=flagger, **_flag_lookup(kind, content)).exists():
        raise FlagRefused(_("You have already flagged this."), 409)
    flag = Flag.objects.create(
        community=community,
        flagger=flagger,
        idea=content if kind == "idea" else content.idea,
        comment=content if kind == "comment" else None,
        reason=reason,
        note=note[:500],
        weight=flagger_weight(flagger, community),
    )
    open_flags = Flag.objects.filter(**_flag_lookup(kind, content), upheld=None)
    total = sum(open_flags.values_list("weight", flat=True))
    if total >= rule_for(community).flag_threshold and content.moderation_state == ModerationState.APPROVED:
        _hold_for_flags(content, kind, community)
    return flag


def _flag_lookup(kind: str, content) -> dict:
    """Flags on this very content (a comment's flags also name its idea)."""
    return {"idea": content, "comment": None} if kind == "idea" else {"comment": content}


def _hold_for_flags(content, kind: str, community: Community) -> None:
    item, _created = ModerationItem.objects.get_or_create(
        kind=kind,
        idea=content if kind == "idea" else None,
        comment=content if kind == "comment" else None,
        revision=content.revision,
        defaults={"community": community, "author_id": content.author_id, "state": ItemState.PENDING},
    )
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    _apply(
        item, content, Outcome.HOLD, reasons=[*item.reason_codes(), "flags"], automatic=True, moderator=None, message=""
    )


# --- Sweep and waiting times ---------------------------------------------------------------


def moderation_sweep(*, older_than: timedelta | None = None) -> int:
    """Queue again the items still unchecked after a while; return how many."""
    if older_than is None:
        older_than = timedelta(seconds=settings.MODERATION_SWEEP_AFTER)
    cutoff = timezone.now() - older_than
    ids = list(
        ModerationItem.objects.filter(state=ItemState.PENDING, enqueued_at__lt=cutoff).values_list("pk", flat=True)[
            :500
        ]
    )
    if not ids:
        return 0
    ModerationItem.objects.filter(pk__in=ids).update(enqueued_at=timezone.now(), attempts=F("attempts") + 1)
    for item_id in ids:
        enqueue_check(item_id)
    return len(ids)


def _typical_wait_key(community: Community) -> str:
    return f"moderation:typical-wait:{community.pk}"


def typical_wait(community: Community) -> timedelta | None:
    """The median time from submission to a moderator's decision, over the last 50."""
    key = _typical_wait_key(community)
    try:
        cached = cache.get(key)
    except Exception:
        cached = None
    if cached is not None:
        return None if cached == -1 else timedelta(seconds=cached)
    rows = ModerationDecision.objects.filter(item__community=community, automatic=False).order_by("-created_at")[:50]
    waits = [(row.created_at - row.item.created_at).total_seconds() for row in rows.select_related("item")]
    seconds = statistics.median(waits) if waits else -1
    try:
        cache.set(key, seconds, timeout=300)
    except Exception:
        logger.warning("Cache unavailable for the typical wait", exc_info=True)
    return None if seconds == -1 else timedelta(seconds=seconds)
