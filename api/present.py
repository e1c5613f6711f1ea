"""Rows as the API shows them. Absolute links are on the community's own domain
(community.selectors.community_url); e-mail addresses only to admin-scoped callers."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts.models import User
from api.auth import Caller
from api.permissions import may_read_emails
from community.models import Category, Status
from community.selectors import community_url
from ideas.models import Comment, Idea, OfficialResponse


def member_out(user: User | None, caller: Caller, *, emails: bool | None = None) -> dict[str, Any] | None:
    if user is None:
        return None
    deleted = user.deleted_at is not None
    shown = {
        "id": user.pk,
        "username": "" if deleted else user.username,
        "display_name": user.public_name,
        "url": "" if deleted else community_url(caller.community, reverse("member", args=[user.username])),
    }
    if emails if emails is not None else may_read_emails(caller):
        shown["email"] = user.email
    return shown


def status_out(status: Status) -> dict[str, Any]:
    return {
        "id": status.pk,
        "slug": status.slug,
        "name": status.name,
        "color": status.color,
        "is_closed": status.is_closed,
        "on_roadmap": status.on_roadmap,
    }


def category_out(category: Category | None) -> dict[str, Any] | None:
    if category is None:
        return None
    return {"id": category.pk, "slug": category.slug, "name": category.name, "color": category.color}


def idea_out(idea: Idea, caller: Caller, *, my_votes: dict[int, int] | None = None) -> dict[str, Any]:
    """An idea card: what a listing shows (no body; see `idea_detail_out`)."""
    stats = idea.stats
    emails = may_read_emails(caller)
    return {
        "id": idea.pk,
        "title": idea.title,
        "url": community_url(caller.community, idea.get_absolute_url()),
        "status": status_out(idea.status),
        "category": category_out(idea.category),
        "tags": sorted(tag.name for tag in idea.tags.all()),
        "author": member_out(idea.author, caller, emails=emails),
        "submitted_by": member_out(idea.submitted_by, caller, emails=emails) if idea.submitted_by_id else None,
        "moderation_state": idea.moderation_state,
        "votes": stats.votes,
        "upvotes": stats.upvotes,
        "downvotes": stats.downvotes,
        "comments": stats.comments,
        "followers": stats.followers,
        "merged_into": idea.merged_into_id,
        "created_at": idea.created_at,
        "my_vote": (my_votes or {}).get(idea.pk),
    }


def response_out(response: OfficialResponse | None, caller: Caller) -> dict[str, Any] | None:
    if response is None:
        return None
    return {
        "id": response.pk,
        "idea": response.idea_id,
        "state": response.state,
        "body": response.body,
        "body_html": response.body_html,
        "status": status_out(response.status) if response.status_id else None,
        "author": member_out(response.author, caller),
        "approved_by": member_out(response.approved_by, caller),
        "publish_at": response.publish_at,
        "published_at": response.published_at,
        "created_at": response.created_at,
        "updated_at": response.updated_at,
    }


def idea_detail_out(idea: Idea, caller: Caller, *, my_vote: int | None, response) -> dict[str, Any]:
    return {
        **idea_out(idea, caller, my_votes={idea.pk: my_vote} if my_vote else None),
        "body": idea.body,
        "body_html": idea.body_html,
        "updated_at": idea.updated_at,
        "official_response": response_out(response, caller),
    }


def comment_out(comment: Comment, caller: Caller) -> dict[str, Any]:
    deleted = comment.deleted_at is not None
    return {
        "id": comment.pk,
        "idea": comment.idea_id,
        "parent": comment.parent_id,
        "author": None if deleted else member_out(comment.author, caller),
        "body": comment.body,
        "body_html": comment.body_html,
        "moderation_state": comment.moderation_state,
        "deleted": deleted,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
    }
