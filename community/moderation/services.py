"""The moderation pipeline: submit, check (the task's work), decide, flag, sanction, sweep.

Every create or edit of an idea or comment calls `moderation_submit`, which records a
`ModerationItem` for the content's revision and queues `moderation.check_item` after
commit. The check is idempotent: it acts only on a `pending` item whose revision is still
the content's. Decisions change the content's `moderation_state` through the ideas
services, which keep the public counters right.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

import events
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
from community.sanctions import active_sanction, sanction_message
from community.selectors import typical_wait_forget
from config.client_ip import ClientInfo
from outbox import services as outbox

logger = logging.getLogger(__name__)

MODERATOR_ROLES = (Role.MODERATOR, Role.ADMIN)


def rule_for(community: Community) -> ModerationRule:
    rule, _created = ModerationRule.objects.get_or_create(community=community)
    return rule


# --- Sanctions ---------------------------------------------------------------------------


@transaction.atomic
def sanction_impose(*, sanction: Sanction, by: User | None = None) -> Sanction:
    """Record a new sanction (built, and validated, by a form or by `sanction_create`) and
    tell the member why and until when, in the inbox and by e-mail, once it commits."""
    if sanction.pk is not None:
        raise ValueError("sanction_impose records new sanctions only")
    if by is not None:
        sanction.created_by = by
    sanction.clean()
    sanction.save()
    events.publish("member.sanctioned", community_id=sanction.community_id, subject=sanction, actor=by)
    return sanction


def sanction_create(
    *,
    community: Community,
    user: User,
    kind: str,
    reason: str,
    until=None,
    by: User | None = None,
) -> Sanction:
    """Suspend a member until `until`, or ban them (`kind` "ban", no end)."""
    return sanction_impose(
        sanction=Sanction(community=community, user=user, kind=kind, until=until, reason=reason), by=by
    )


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
            **_submitted_text(content),
            "reasons": " ".join(sorted(carried)),
            "ip": client.ip,
            "user_agent": client.user_agent,
        },
    )
    # Older revisions still waiting are replaced by this one.
    ModerationItem.objects.filter(
        kind=kind, idea=item.idea, comment=item.comment, state__in=OPEN_STATES, revision__lt=item.revision
    ).update(state=ItemState.SUPERSEDED, decided_at=timezone.now())
    if events.is_muted():  # history being imported (the demo): its approval is not news either
        enqueue_check(item.pk, quiet=True)
    else:
        enqueue_check(item.pk)
    return item


def enqueue_check(item_id: int, *, quiet: bool = False) -> None:
    """Recorded with the item (the outbox). No key: the sweeper's new job for an item left
    pending must go even while a lost one waits; a check decides an item once whatever
    the number of jobs (it claims items, not jobs)."""
    # (the usual message stays as it always was; only the demo's says `quiet`)
    extra = {"quiet": True} if quiet else {}
    outbox.enqueue("moderation.check_item", item_id, **extra)


# --- Check (the task's work) -------------------------------------------------------------

# How many pending items one check decides together, its own first: the rules' reads, the
# writes and the commit are paid once per batch; each item's own message then costs at
# most one query.
CHECK_BATCH_SIZE = 50


def _submitted_text(content) -> dict[str, str]:
    return {"submitted_title": getattr(content, "title", ""), "submitted_body": content.body}


def _text_of(content) -> str:
    return f"{content.title}\n\n{content.body}" if hasattr(content, "title") else content.body


@dataclass(frozen=True)
class CheckResult:
    outcome: str | None  # this item's, or None when this run did not decide it
    settled: tuple[int, ...]  # every item this run decided or superseded (none is ever pending again)


def moderation_check(item_id: int) -> str | None:
    """Run the rule chain for this item and up to `CHECK_BATCH_SIZE - 1` other pending items;
    return this item's outcome, or None when this run did not decide it."""
    return moderation_check_batch(item_id).outcome


def moderation_check_batch(item_id: int, *, quiet: bool = False) -> CheckResult:
    """`moderation_check`, saying which items the run settled.

    `quiet` (an item posted inside `muted()`): this item alone is checked, and its
    approval announces nothing.

    Idempotent: only `pending` items whose revision is their content's current one are
    decided, each under a row lock taken with SKIP LOCKED, so a duplicate or redelivered
    message, a run racing this one, or a run for a stale revision changes nothing, and an
    item another batch holds is left to it. A message whose item another batch decided
    ends after one query.
    """
    community_id = _pending_community(item_id)
    if community_id is None:
        return CheckResult(None, ())
    if quiet:
        with events.muted(), transaction.atomic():
            items = _claim_batch(item_id, alone=True)
            outcomes = _decide(items, verdicts={})
        return CheckResult(outcomes.get(item_id), tuple(item.pk for item in items))
    if spam_check.is_configured() and _rules_for({community_id})[community_id].use_spam_check:
        return _check_alone(item_id)
    with transaction.atomic():
        items = _claim_batch(item_id)
        outcomes = _decide(items, verdicts={})
    return CheckResult(outcomes.get(item_id), tuple(item.pk for item in items))


def _pending_community(item_id: int) -> int | None:
    """The item's community if it is still pending, else None. Every message pays this
    query, most of them for an item a batch has already decided: plain SQL, because
    compiling the ORM's query cost more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT community_id FROM {ModerationItem._meta.db_table} WHERE id = %s AND state = %s",  # noqa: S608
            [item_id, ItemState.PENDING.value],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _claim_batch(item_id: int, *, alone: bool = False) -> list[ModerationItem]:
    """Lock this item, if still pending and free, and the oldest pending items no other
    check holds. Items of communities that ask the spam checker are left to their own
    messages: an HTTP call per item must not run under the batch's locks."""
    size = getattr(settings, "MODERATION_CHECK_BATCH_SIZE", CHECK_BATCH_SIZE)
    pending = (
        ModerationItem.objects.select_related("idea", "comment")
        .select_for_update(skip_locked=True, of=("self",))
        .filter(state=ItemState.PENDING)
    )
    own = list(pending.filter(pk=item_id))
    if alone:
        return own
    others = pending.exclude(pk=item_id)
    if spam_check.is_configured():
        others = others.filter(community__moderation_rule__use_spam_check=False)
    return own + list(others.order_by("enqueued_at", "pk")[: size - len(own)])


def _check_alone(item_id: int) -> CheckResult:
    """One item whose community asks the spam checker: the HTTP call runs before any lock
    is taken, then the item is locked and decided if it is still pending."""
    item = ModerationItem.objects.select_related("idea", "comment").filter(pk=item_id).first()
    if item is None or item.state != ItemState.PENDING:
        return CheckResult(None, ())
    if not _is_current(item):
        _supersede([item.pk])
        return CheckResult(None, ())
    verdicts = {item.pk: _spam_verdict(item)}
    with transaction.atomic():
        locked = ModerationItem.objects.select_for_update().filter(pk=item.pk, state=ItemState.PENDING).exists()
        if not locked:
            return CheckResult(None, ())  # another run got there first
        outcome = _decide([item], verdicts=verdicts).get(item.pk)
    return CheckResult(outcome, (item.pk,))


def _spam_verdict(item: ModerationItem) -> spam_check.Verdict:
    author = item.author
    return spam_check.check(
        content=_text_of(item.content),
        author_name=author.public_name if author else "",
        author_email=author.email if author else "",
        ip=item.ip,
        user_agent=item.user_agent,
        kind=item.kind,
    )


def _is_current(item: ModerationItem) -> bool:
    content = item.content
    return content is not None and content.revision == item.revision


def _supersede(item_ids: list[int]) -> None:
    ModerationItem.objects.filter(pk__in=item_ids, state=ItemState.PENDING).update(
        state=ItemState.SUPERSEDED, decided_at=timezone.now()
    )


def _decide(items: list[ModerationItem], *, verdicts: dict[int, spam_check.Verdict]) -> dict[int, str]:
    """Decide locked, pending items in their order, as if one by one; item id -> outcome.

    Stale revisions are superseded; the rules' inputs are read once for all items, and
    each decision that publishes or withdraws a post is counted for the items after it.
    """
    _supersede([item.pk for item in items if not _is_current(item)])
    current = [item for item in items if _is_current(item)]
    if not current:
        return {}
    rule_of = _rules_for({item.community_id for item in current})
    facts = _BatchFacts.read(current, rule_of)
    decided = []
    for item in current:
        rule = rule_of[item.community_id]
        reasons = [*item.reason_codes(), *rules.evaluate(facts.submission(item, rule), rule)]
        verdict = verdicts.get(item.pk, spam_check.Verdict.NOT_CONFIGURED)
        if verdict in (spam_check.Verdict.SPAM, spam_check.Verdict.DISCARD):
            reasons.append("spam")
        elif verdict == spam_check.Verdict.UNAVAILABLE:
            reasons.append("spam_check_unavailable")
        outcome = _outcome_of(reasons, verdict)
        if "after_decision" not in reasons:  # a hidden or rejected post stays so until a human says
            facts.note_state(item, _CONTENT_STATE[outcome])
        decided.append((item, outcome, " ".join(dict.fromkeys(reasons))[:255]))
    _record(decided)
    return {item.pk: outcome for item, outcome, _reasons in decided}


def _outcome_of(reasons: list[str], verdict: spam_check.Verdict) -> str:
    if verdict == spam_check.Verdict.DISCARD:
        return Outcome.REJECT
    return Outcome.HOLD if reasons else Outcome.APPROVE


def _record(decided: list[tuple[ModerationItem, str, str]]) -> None:
    """The batch's writes, in a number of statements that does not grow with its size
    (comments excepted: each approved one is announced on its own).

    Approved content is announced here, not when it was posted: where it was public at
    once (post-moderation) its state does not change, but its audience and its points
    waited for this check.
    """
    from ideas.services import comment_approved, ideas_published, ideas_set_moderation_state

    now = timezone.now()
    groups: dict[tuple[str, str], list[int]] = {}
    for item, outcome, reasons in decided:
        groups.setdefault((outcome, reasons), []).append(item.pk)
    for (outcome, reasons), item_ids in groups.items():
        ModerationItem.objects.filter(pk__in=item_ids, state=ItemState.PENDING).update(
            state=_ITEM_STATE[outcome], reasons=reasons, decided_at=None if outcome == Outcome.HOLD else now
        )
    ideas: dict[str, list] = {}
    public_ideas = []
    for item, outcome, reasons in decided:
        content, state = item.content, _CONTENT_STATE[outcome]
        if "after_decision" in reasons.split():
            continue
        if content.moderation_state == state:  # a post-moderation approval: public already
            if outcome != Outcome.APPROVE:
                continue
            if item.kind == ModerationItem.Kind.IDEA:
                public_ideas.append(content)
            else:
                comment_approved(comment=content)
        elif item.kind == ModerationItem.Kind.IDEA:
            ideas.setdefault(state, []).append(content)
        else:
            _apply_to_content(content, outcome)
    for state, contents in ideas.items():
        ideas_set_moderation_state(ideas=contents, state=state)
    ideas_published(ideas=public_ideas)
    ModerationDecision.objects.bulk_create(
        ModerationDecision(item_id=item.pk, outcome=outcome, automatic=True, reasons=reasons, created_at=now)
        for item, outcome, reasons in decided
    )
    held = []
    for item, outcome, reasons in decided:
        if outcome == Outcome.HOLD:
            item.reasons = reasons  # as just written; the payload names them
            held.append(item)
    # One batch: its listeners (webhooks) read once for all of them.
    events.publish_many("moderation.held", held, public=False)


def _rules_for(community_ids: set[int]) -> dict[int, ModerationRule]:
    rule_of = {rule.community_id: rule for rule in ModerationRule.objects.filter(community_id__in=community_ids)}
    for community_id in community_ids - set(rule_of):
        rule_of[community_id], _created = ModerationRule.objects.get_or_create(community_id=community_id)
    return rule_of


@dataclass
class _BatchFacts:
    """What the rules need about a batch of items, read with a few set-based queries
    (the newcomer counts only for communities that hold newcomers' first posts)."""

    posts_last_hour: dict[tuple[int, int], int]  # (community, author) -> first revisions in the last hour
    texts: dict[tuple[int, int, str], list[tuple[int | None, int | None]]]  # + fingerprint -> (idea, comment)
    trusted: set[tuple[int, int]]
    approved: dict[tuple[int, int], int]  # public ideas and comments

    @classmethod
    def read(cls, items: list[ModerationItem], rule_of: dict[int, ModerationRule]) -> _BatchFacts:
        from ideas.models import Comment, Idea, ModerationState

        authors = {item.content.author_id for item in items} - {None}
        communities = {item.community_id for item in items}
        facts = cls({}, {}, set(), {})
        if not authors:
            return facts
        now = timezone.now()
        mine = ModerationItem.objects.filter(community_id__in=communities, author_id__in=authors).order_by()
        facts.posts_last_hour = _counts(mine.filter(revision=1, created_at__gte=now - timedelta(hours=1)))
        fingerprints = {item.text_hash for item in items} - {""}
        if fingerprints:
            recent = mine.filter(text_hash__in=fingerprints, created_at__gte=now - rules.DUPLICATE_WINDOW)
            for community_id, author_id, text_hash, idea_id, comment_id in recent.values_list(
                "community_id", "author_id", "text_hash", "idea_id", "comment_id"
            ):
                facts.texts.setdefault((community_id, author_id, text_hash), []).append((idea_id, comment_id))
        holding = {community_id for community_id in communities if rule_of[community_id].new_member_hold_count}
        if holding:
            facts.trusted = set(
                Membership.objects.filter(
                    Q(trusted_at__isnull=False) | Q(role__in=[Role.MODERATOR, Role.BRAND_MANAGER, Role.ADMIN]),
                    community_id__in=holding,
                    user_id__in=authors,
                ).values_list("community_id", "user_id")
            )
            public = {"author_id__in": authors, "moderation_state": ModerationState.APPROVED}
            ideas = _counts(Idea.objects.filter(community_id__in=holding, **public).order_by())
            comments = _counts(
                Comment.objects.filter(idea__community_id__in=holding, **public).order_by(), "idea__community_id"
            )
            facts.approved = {key: ideas.get(key, 0) + comments.get(key, 0) for key in {*ideas, *comments}}
        return facts

    def submission(self, item: ModerationItem, rule: ModerationRule) -> rules.Submission:
        from ideas.models import ModerationState

        content = item.content
        author_id = content.author_id
        key = (item.community_id, author_id)
        approved_before, trusted = 0, True
        if rule.new_member_hold_count and author_id is not None:
            trusted = key in self.trusted
            if not trusted:  # the member's public posts, this one excepted
                approved_before = self.approved.get(key, 0) - (content.moderation_state == ModerationState.APPROVED)
        same_text = item.text_hash != "" and any(
            (idea_id if item.kind == ModerationItem.Kind.IDEA else comment_id) != content.pk
            for idea_id, comment_id in self.texts.get((*key, item.text_hash), [])
        )
        return rules.Submission(
            text=_text_of(content),
            author_id=author_id,
            community_id=item.community_id,
            kind=item.kind,
            content_id=content.pk,
            approved_before=approved_before,
            trusted=trusted,
            posts_last_hour=self.posts_last_hour.get(key, 0) if author_id is not None else 0,
            same_text_elsewhere=same_text if author_id is not None else False,
        )

    def note_state(self, item: ModerationItem, state: str) -> None:
        """A decision earlier in the batch publishes or withdraws a post: the items after
        it count its author's public posts as a check run after it would."""
        from ideas.models import ModerationState

        was_public = item.content.moderation_state == ModerationState.APPROVED
        is_public = state == ModerationState.APPROVED
        if was_public != is_public:
            key = (item.community_id, item.content.author_id)
            self.approved[key] = self.approved.get(key, 0) + (1 if is_public else -1)


def _counts(rows, community: str = "community_id") -> dict[tuple[int, int], int]:
    """Rows counted per (community, author), in one grouped query."""
    return {
        (community_id, author_id): count
        for community_id, author_id, count in rows.values_list(community, "author_id").annotate(count=Count("pk"))
    }


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
    """Set the content's state; content that becomes public is announced on the way, and
    an approval of content public already (post-moderation) announces it here."""
    from ideas.services import comment_approved, content_set_moderation_state, ideas_published

    if content.moderation_state != _CONTENT_STATE[outcome]:
        content_set_moderation_state(content=content, state=_CONTENT_STATE[outcome])
    elif outcome == Outcome.APPROVE:
        if _kind_of(content) == ModerationItem.Kind.IDEA:
            ideas_published(ideas=[content])
        else:
            comment_approved(comment=content)


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


class AlreadyDecided(Exception):
    """The item no longer waits: another moderator (or the check) decided it meanwhile."""


@transaction.atomic
def moderation_decide(
    *,
    item: ModerationItem,
    moderator: User,
    outcome: str,
    message: str = "",
    trust: bool = False,
    waiting_only: bool = False,
) -> ModerationDecision:
    """A moderator's decision: approve (optionally trusting the author), reject or hide.

    Flags on the content are settled (upheld unless approved) and the author is told by
    e-mail, with the message, once the transaction commits. `waiting_only` (a decision
    taken from the review queue's card): refuse with `AlreadyDecided` an item that no
    longer waits, checked under the item's row lock, so two moderators on one card make
    one decision.
    """
    if outcome not in (Outcome.APPROVE, Outcome.REJECT, Outcome.HIDE):
        raise ValueError(outcome)
    if not is_moderator_of(moderator, item.community):
        raise NotAllowed
    # Only the item's row: a plain FOR UPDATE over the join would lock the community row
    # too, and with it every insert that refers to the community (notifications, points).
    item = ModerationItem.objects.select_for_update(of=("self",)).select_related("community").get(pk=item.pk)
    content = item.content
    if item.state == ItemState.SUPERSEDED or content is None or content.revision != item.revision:
        raise StaleItem
    if waiting_only and item.state not in OPEN_STATES:
        raise AlreadyDecided
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
    events.publish("moderation.decided", community_id=item.community_id, subject=decision, actor=moderator)
    typical_wait_forget(item.community)
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


# From this many open reports on a public idea, each new one is a fact for the team.
SEVERAL_REPORTS = 2


class FlagRefused(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class FlagOutcome:
    flag: Flag
    created: bool  # False: this member had flagged it already, and that first flag stands
    hidden: bool  # this flag took the content past the threshold: hidden and queued


@transaction.atomic
def flag_create(*, content, flagger: User, reason: str, note: str = "") -> FlagOutcome:
    """Flag a public idea or comment; past the community's threshold it is hidden and queued.

    Callers fetch `content` with a getter that answers 404 for what this member cannot
    see; this refuses anything not public all the same (held, hidden, rejected, deleted, or
    a comment on an idea that is not public). Once per member: asking again returns the
    first flag (`created` False), so a form sent twice is no error.
    """
    from ideas.models import ModerationState

    kind = _kind_of(content)
    community = _community_of(content)
    sanction = active_sanction(flagger, community)
    if sanction is not None:
        raise FlagRefused(sanction_message(sanction), 403)
    if content.author_id == flagger.pk:
        raise FlagRefused(_("You cannot flag your own post."))
    public = content.moderation_state == ModerationState.APPROVED
    if kind == "comment":
        public = public and not content.is_deleted and content.idea.moderation_state == ModerationState.APPROVED
    if not public:
        raise FlagRefused(_("Only public posts can be reported."), 409)
    if reason not in Flag.Reason.values:
        raise FlagRefused(_("Pick a reason."))
    mine = Flag.objects.filter(flagger=flagger, **_flag_lookup(kind, content))
    first = mine.first()
    if first is not None:
        return FlagOutcome(flag=first, created=False, hidden=False)
    try:
        with transaction.atomic():  # a savepoint: the same member's twin request may win
            flag = Flag.objects.create(
                community=community,
                flagger=flagger,
                idea=content if kind == "idea" else content.idea,
                comment=content if kind == "comment" else None,
                reason=reason,
                note=note[:500],
                weight=flagger_weight(flagger, community),
            )
    except IntegrityError:
        return FlagOutcome(flag=mine.get(), created=False, hidden=False)
    open_flags = Flag.objects.filter(**_flag_lookup(kind, content), upheld=None)
    total = sum(open_flags.values_list("weight", flat=True))
    hidden = total >= rule_for(community).flag_threshold
    if hidden:
        _hold_for_flags(content, kind, community)
    elif kind == "idea" and (reports := open_flags.count()) >= SEVERAL_REPORTS:
        # Still public, but several members find it wrong: the brand's team may want to look.
        events.publish("idea.flagged", community_id=community.pk, subject=content, flags=reports)
    return FlagOutcome(flag=flag, created=True, hidden=hidden)


def _flag_lookup(kind: str, content) -> dict:
    """Flags on this very content (a comment's flags also name its idea)."""
    return {"idea": content, "comment": None} if kind == "idea" else {"comment": content}


def _hold_for_flags(content, kind: str, community: Community) -> None:
    item, _created = ModerationItem.objects.get_or_create(
        kind=kind,
        idea=content if kind == "idea" else None,
        comment=content if kind == "comment" else None,
        revision=content.revision,
        defaults={
            "community": community,
            "author_id": content.author_id,
            "state": ItemState.PENDING,
            **_submitted_text(content),
        },
    )
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    _apply(
        item, content, Outcome.HOLD, reasons=[*item.reason_codes(), "flags"], automatic=True, moderator=None, message=""
    )
    events.publish("moderation.held", community_id=item.community_id, subject=item, public=False)
    # Held for reports, it is hidden until a moderator looks: what was said of it goes too
    # (a hold by the check does not: the revision it holds was never announced).
    from ideas.services import content_notices_withdraw

    content_notices_withdraw(content=content)


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
