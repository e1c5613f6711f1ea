"""A visitor's click on vote or follow, finished once they have signed in.

The vote and follow views keep a visitor's click (a POST carrying the page's CSRF token:
the visitor's own click, never a link followed) in the session under `PENDING_KEY`,
signed and dated. When allauth signs the member in, in this session (the sign-in form, a
social sign-in, or the e-mail confirmation where it signs in), `pending_action_finish`
performs it through the same services, if it is still allowed, says so, and lands on
the page of the click. Only these safe, idempotent actions are kept: a vote (made to
stand, never toggled off) and a follow.
"""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.models import User
from ideas import selectors, services
from ideas.exceptions import Refused
from ideas.models import Idea

PENDING_KEY = "ideas.pending_action"
PENDING_SALT = "ideas.pending-action"
PENDING_MAX_AGE = 2 * 3600  # seconds: time to sign in, or to sign up and confirm the address
ACTIONS = ("vote", "follow")


def pending_action_keep(request: HttpRequest, *, idea: Idea, action: str, value: int = 1, landing: str) -> None:
    """Keep a visitor's click on `idea` to finish after sign-in (the latest click wins)."""
    if action not in ACTIONS:
        raise ValueError(action)
    payload = {"community": idea.community_id, "idea": idea.pk, "action": action, "value": value, "landing": landing}
    request.session[PENDING_KEY] = signing.dumps(payload, salt=PENDING_SALT)


def _read(request: HttpRequest) -> dict | None:
    """The kept click, if it is ours, recent, well formed and for this community."""
    token = request.session.pop(PENDING_KEY, None)
    if not isinstance(token, str):
        return None
    try:
        data = signing.loads(token, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:  # also an expired one
        return None
    community = getattr(request, "community", None)
    if (
        not isinstance(data, dict)
        or community is None
        or data.get("community") != community.pk
        or data.get("action") not in ACTIONS
        or type(data.get("idea")) is not int
        or data.get("value") not in (1, -1)
        or not isinstance(data.get("landing"), str)
    ):
        return None
    return data


def pending_action_finish(request: HttpRequest, user: User) -> str | None:
    """Perform the click kept before sign-in, if any; return the page to land on."""
    data = _read(request)
    if data is None:
        return None
    try:
        idea = selectors.get_idea_for_action(request, data["idea"])
    except Http404:
        messages.error(
            request, _("What you started before signing in could not be finished: that idea is not available.")
        )
        return None
    landing = data["landing"]
    if not url_has_allowed_host_and_scheme(landing, allowed_hosts={request.get_host()}):
        landing = idea.get_absolute_url()
    try:
        if data["action"] == "vote":
            services.vote_set(idea=idea, user=user, value=data["value"])
            done = _("Your vote for “%(title)s” is recorded.")
        else:
            if idea.pk not in selectors.member_follows(user, [idea]):
                services.follow_toggle(idea=idea, user=user)
            done = _("You follow “%(title)s”.")
    except Refused as refusal:
        messages.error(request, refusal.message)
        return landing
    messages.success(request, done % {"title": idea.title})
    return landing


def finish_on_sign_in(sender, request: HttpRequest, user: User, response=None, **kwargs) -> None:
    """allauth's `user_logged_in`: finish the kept click and land on its page."""
    landing = pending_action_finish(request, user)
    if landing and isinstance(response, HttpResponseRedirect):
        response["Location"] = landing
