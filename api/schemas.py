"""The API's shapes (pydantic, through django-ninja): what the OpenAPI document says and
what every answer is checked against."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, model_validator

# Ids are PostgreSQL bigints: anything larger is refused as bad input, never sent to a query.
Id = Field(ge=1, le=2**63 - 1)


class IdeaPath(Schema):
    idea_id: int = Id


class CommentPath(Schema):
    comment_id: int = Id


class ResponsePath(Schema):
    response_id: int = Id


class ItemPath(Schema):
    item_id: int = Id


class MemberPath(Schema):
    member_id: int = Id


class MemberOut(Schema):
    id: int
    username: str
    display_name: str
    url: str
    email: str | None = Field(None, description="Only for keys with the admin scope.")


class StatusOut(Schema):
    id: int
    slug: str
    name: str
    color: str
    is_closed: bool
    on_roadmap: bool


class CategoryOut(Schema):
    id: int
    slug: str
    name: str
    color: str


class TagOut(Schema):
    name: str
    slug: str


class IdeaOut(Schema):
    id: int
    title: str
    url: str
    status: StatusOut
    category: CategoryOut | None
    tags: list[str]
    author: MemberOut | None
    submitted_by: MemberOut | None = Field(description="Staff who posted it on the author's behalf, if any.")
    moderation_state: Literal["pending", "approved", "rejected", "hidden"]
    votes: int
    upvotes: int
    downvotes: int
    comments: int
    followers: int
    merged_into: int | None
    created_at: datetime
    my_vote: int | None = Field(None, description="The signed-in member's vote (sessions only).")


class ResponseOut(Schema):
    id: int
    idea: int
    state: str
    body: str
    body_html: str
    status: StatusOut | None
    author: MemberOut | None
    approved_by: MemberOut | None
    publish_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class IdeaDetailOut(IdeaOut):
    body: str
    body_html: str
    updated_at: datetime
    official_response: ResponseOut | None


class IdeaPage(Schema):
    results: list[IdeaOut]
    next: str | None = Field(description="The next page's address, or null on the last page.")
    next_cursor: str | None


class MemberRef(Schema):
    """A member by id, or by e-mail address (and name, for someone new)."""

    id: int | None = Field(None, ge=1, le=2**63 - 1)
    email: str | None = Field(None, max_length=254)
    name: str | None = Field(None, max_length=80)

    @model_validator(mode="after")
    def one_way(self):
        if (self.id is None) == (self.email is None):
            raise ValueError("Give the member's id or their e-mail address.")
        return self


class IdeaIn(Schema):
    title: str
    body: str
    category: int | None = Field(None, ge=1, le=2**63 - 1)
    tags: list[str] = Field(default_factory=list)
    author: MemberRef | None = Field(None, description="Post on this customer's behalf (staff keys).")


class IdeaPatch(Schema):
    title: str | None = None
    body: str | None = None
    category: int | None = Field(None, ge=1, le=2**63 - 1)
    tags: list[str] | None = None


class StatusIn(Schema):
    status: int = Id
    reason: str = Field("", max_length=10_000)


class CommentOut(Schema):
    id: int
    idea: int
    parent: int | None
    author: MemberOut | None
    body: str
    body_html: str
    moderation_state: str
    deleted: bool
    created_at: datetime
    edited_at: datetime | None


class CommentIn(Schema):
    body: str
    parent: int | None = Field(None, ge=1, le=2**63 - 1)


class CommentPatch(Schema):
    body: str


class VoteIn(Schema):
    value: Literal[1, -1] = 1
    member: MemberRef | None = Field(None, description="Record the vote on this customer's behalf (staff).")


class VoteResultOut(Schema):
    value: int | None
    votes: int


class VoteOut(Schema):
    member: MemberOut | None
    value: int
    created_at: datetime
    recorded_by: MemberOut | None = Field(description="Staff who recorded it on the member's behalf (a proxy vote).")


class ResponseIn(Schema):
    body: str = Field("", max_length=10_000)
    status: int | None = Field(None, ge=1, le=2**63 - 1)


class ScheduleIn(Schema):
    publish_at: datetime


class ModerationItemOut(Schema):
    id: int
    kind: str
    idea: int | None
    comment: int | None
    revision: int
    state: str
    reasons: list[str]
    author: MemberOut | None
    title: str
    body: str
    created_at: datetime
    decided_at: datetime | None


class DecisionIn(Schema):
    outcome: Literal["approve", "reject", "hide"]
    message: str = Field("", max_length=2000)
    trust: bool = False


class DecisionOut(Schema):
    id: int
    item: int
    outcome: str
    message: str
    trusted: bool
    created_at: datetime


class CallerOut(Schema):
    community: str
    community_url: str
    acting_as: MemberOut
    scopes: list[str]
    key: str | None
