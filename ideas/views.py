"""Thin views: validate, call one service or selector, answer.

POST endpoints answer a plain form with a redirect and a script (Accept: application/json)
with JSON, so every page works without JavaScript and better with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.mfa import second_factor_url, session_used_mfa, staff_power_allowed, typed_keep, typed_take
from accounts.submissions import Submitted, form_key_new, submit_once
from community.sanctions import active_sanction, sanction_message
from community.selectors import community_url, role_in, typical_wait
from config.client_ip import client_info
from config.pagecache import shared_page
from ideas import member_pages, selectors, services
from ideas.exceptions import Refused
from ideas.forms import CommentForm, IdeaForm, ListFilterForm, ResponseForm, SimilarForm, VoteForm
from ideas.models import Comment, IdeaStats, ModerationState
from ideas.pending import pending_action_keep
from ideas.responses import can_speak_for, ready_to_publish
from ideas.search import SEARCH_CANDIDATES

logger = logging.getLogger(__name__)


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def refuse(request: HttpRequest, message: str, status: int = 400, idea=None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    return render(request, "ideas/refused.html", {"message": message, "idea": idea}, status=status)


def member_required(view=None, *, on_visitor=None):
    """Visitors are sent to sign in (a form) or told so (a script), never shown a 500.

    `on_visitor(request, *args, **kwargs)`, for a POST a visitor can make, says on the
    sign-in page what they were doing, may keep their click to finish after sign-in
    (ideas.pending), and returns the page to come back to.
    """
    if view is None:
        return lambda view: member_required(view, on_visitor=on_visitor)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.community is None:
            raise Http404
        if not request.user.is_authenticated:
            back = on_visitor(request, *args, **kwargs) if on_visitor else request.get_full_path()
            sign_in = redirect_to_login(back)
            if wants_json(request):
                return JsonResponse({"error": _("Sign in to take part."), "login": sign_in.url}, status=401)
            return sign_in
        try:
            return view(request, *args, **kwargs)
        except Refused as refusal:
            return refuse(request, refusal.message, refusal.status)

    return wrapper


def visitor_told(request: HttpRequest, message: str, idea, *, keep: str | None = None, value: int = 1) -> str:
    """Say on the sign-in page why it shows (`message` names the idea's title), keep the
    click `keep` (ideas.pending) where it is one to finish; the page to come back to."""
    messages.info(request, message % {"title": idea.title})
    back = _back_to(request, idea.get_absolute_url())
    if keep is not None:
        pending_action_keep(request, idea=idea, action=keep, value=value, landing=back)
    return back


def _visitor_votes(request: HttpRequest, pk: int) -> str:
    idea = selectors.get_idea_for_action(request, pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return visitor_told(request, _("Sign in to vote for “%(title)s”."), idea)
    value = form.cleaned_data["value"]
    return visitor_told(request, _("Sign in to vote for “%(title)s”."), idea, keep="vote", value=value)


def _visitor_follows(request: HttpRequest, pk: int) -> str:
    idea = selectors.get_idea_for_action(request, pk)
    return visitor_told(request, _("Sign in to follow “%(title)s”."), idea, keep="follow")


def _visitor_comments(request: HttpRequest, pk: int) -> str:
    idea = selectors.get_idea_for_action(request, pk)
    return visitor_told(request, _("Sign in to comment on “%(title)s”."), idea)


def _back_to(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    # A path on this site only: anything else ("2", "x") would be taken for a URL name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def answer_saved(request: HttpRequest, submitted: Submitted, answer: Callable[[], HttpResponse]) -> HttpResponse:
    """The answer to a post whose write committed (accounts.submissions.submit_once).

    A post sent again (its form's key already used) is told so and taken to what the first
    one made; a script's gets `answer()`, which says the same in JSON. What the answer does
    after the commit (a message, a rendering, a counter read again) may fail, a dropped
    connection or a cache outage: the member then gets the plain answer (the page of what
    was saved, or its address), never a 500 that would have them post it again; the failure
    is logged.
    """
    try:
        if submitted.again and not wants_json(request):
            messages.info(request, _("This was sent already: nothing was saved twice."))
            return redirect(submitted.target_url)
        return answer()
    except Exception:
        logger.exception("Answering a saved post to %s failed; the plain answer was sent", request.path)
        if wants_json(request):
            return JsonResponse({"id": submitted.object_id, "url": submitted.target_url, "form_key": form_key_new()})
        return redirect(submitted.target_url)


def _listing_context(request: HttpRequest, ideas: list) -> dict:
    return {
        "my_votes": selectors.member_votes(request.user, ideas),
        "statuses": selectors.statuses_of(request.community),
        "categories": selectors.categories_of(request.community),
    }


@require_GET
@shared_page(uncached_params=("q", "mine", "followed"), members=member_pages.listing_reader)
def idea_list(request: HttpRequest) -> HttpResponse:
    community = request.community
    if community is None:
        raise Http404
    form = ListFilterForm(request.GET, community=community)
    if not form.is_valid():
        context = {"form": form, "page": None, **_listing_context(request, [])}
        return render(request, "ideas/idea_list.html", context, status=400)
    filters = form.filters()
    page = selectors.listing_page(community, request.user, filters, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # The sort tabs keep the filters; the filter form keeps the sort (a hidden field).
    unsorted = query.copy()
    unsorted.pop("sort", None)
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "filtered": any((filters.status, filters.category, filters.tag, filters.q, filters.mine, filters.followed)),
        "query_without_page": query.urlencode(),
        "query_without_sort": unsorted.urlencode(),
        "search_capped": bool(filters.q) and page.paginator.count >= SEARCH_CANDIDATES,
        **_listing_context(request, page.object_list),
    }
    return render(request, "ideas/idea_list.html", context)


@require_GET
def idea_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(selectors.get_idea_for_viewer(request, pk), permanent=True)


@require_GET
@shared_page(idea_kwarg="pk", members=member_pages.idea_reader)
def idea_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    idea = selectors.get_idea_for_viewer(request, pk)
    if slug != idea.slug:
        return redirect(idea, permanent=True)
    return render(request, "ideas/idea_detail.html", _detail_context(request, idea, CommentForm()))


def _detail_context(request: HttpRequest, idea, comment_form: CommentForm) -> dict:
    user = request.user
    shared = member_pages.idea_page_parts(request, idea.pk)
    if shared is not None:  # a page for every member like this one: their parts are slots
        mine = selectors.MemberState()
        my_vote, following = shared
    else:
        mine = selectors.member_state(user, idea)
        my_vote, following = mine.vote, mine.following
    return {
        "idea": idea,
        "images": selectors.idea_images(idea),
        # Loaded only if the thread is rendered: its shared rendering is kept (comment_list).
        "thread": SimpleLazyObject(lambda: selectors.comment_thread(idea, user)),
        "history": selectors.idea_history(idea),
        "my_vote": my_vote,
        "following": following,
        "can_edit": services.can_edit_idea(idea, user),
        "comment_form": comment_form,
        "absolute_url": community_url(request.community, idea.get_absolute_url()),
        "typical_wait": typical_wait(idea.community) if idea.moderation_state == "pending" else None,
        "flagged_idea": mine.flagged_idea,
        "flagged_comments": mine.flagged_comments,
        "official_response": selectors.published_response(idea),
        **_manager_context(request, idea),
    }


def _manager_context(request: HttpRequest, idea) -> dict:
    """The response form, for the brand's managers only, once their session used a second
    factor (accounts.mfa); before, the link to it. (Only the session is read to tell.)"""
    if not can_speak_for(request.user, idea.community):
        return {}
    if not session_used_mfa(request):
        return {"can_speak": True, "second_factor_url": second_factor_url(request, idea.get_absolute_url())}
    working = selectors.open_response(idea)
    # What was typed before the second factor was asked for, else the response in the works.
    typed = typed_take(request, idea.get_absolute_url())
    initial = typed or ({"body": working.body, "status": working.status_id} if working else {})
    return {
        "can_speak": True,
        "working_response": working,
        "working_ready": working is not None and ready_to_publish(working),
        "response_form": ResponseForm(initial=initial, community=idea.community),
    }


def _save_idea_form(form: IdeaForm, save, request: HttpRequest, *, kind: str) -> Submitted | None:
    """Call `save` (idea_create or idea_update) with the form's fields, once per form key; a
    refusal that is about the input goes back onto the form, so that nothing typed is lost."""
    data = form.cleaned_data
    fields = {key: data[key] for key in ("title", "body", "category", "tags", "images")}
    try:
        return submit_once(
            request,
            kind=kind,
            create=lambda: save({**fields, "client": client_info(request)}),
            target_url=lambda idea: idea.get_absolute_url(),
        )
    except Refused as refusal:
        if refusal.status == 403:
            raise
        form.add_error(None, refusal.message)
        return None


@member_required
def idea_create(request: HttpRequest) -> HttpResponse:
    sanction = active_sanction(request.user, request.community)
    if sanction is not None:  # told before typing, not after
        return refuse(request, sanction_message(sanction), 403)
    # A search that found nothing offers to post the idea: `?title=` starts it with the words typed.
    initial = {"title": " ".join(request.GET.get("title", "").split())[:120]}
    form = IdeaForm(request.POST or None, request.FILES or None, community=request.community, initial=initial)
    if request.method == "POST" and form.is_valid():
        submitted = _save_idea_form(
            form,
            lambda fields: services.idea_create(community=request.community, author=request.user, **fields),
            request,
            kind="idea",
        )
        if submitted is not None:
            done = _("Your idea is posted. Share it so that others can vote for it.")
            return answer_saved(request, submitted, lambda: _tell_saved(request, submitted, done))
    status = 400 if request.method == "POST" else 200
    return render(request, "ideas/idea_form.html", {"form": form}, status=status)


def _tell_saved(request: HttpRequest, submitted: Submitted, done: str) -> HttpResponse:
    """Confirm a post or an edit in the product's words: public now, or once a moderator
    has read it (pre-moderation, or held by the check); then show it."""
    if submitted.created.moderation_state == ModerationState.APPROVED:
        messages.success(request, done)
    else:
        messages.info(request, _("Saved. A moderator reads it before it is public; you will be told."))
    return redirect(submitted.target_url)


# What the idea form keeps for after the second factor (accounts.mfa.typed_keep).
EDIT_TYPED = ("title", "body", "category", "tags")


@member_required
def idea_edit(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.get_idea_for_viewer(request, pk)
    sanction = active_sanction(request.user, request.community)
    if sanction is not None:
        return refuse(request, sanction_message(sanction), 403, idea)
    if not services.can_edit_idea(idea, request.user):
        return refuse(request, _("You can no longer edit this idea."), 403, idea)
    initial = {
        "title": idea.title,
        "body": idea.body,
        "category": idea.category,
        "tags": ", ".join(tag.name for tag in idea.tags.all()),
    }
    # A moderator's edit (of anyone's idea, kept public without a new review) is a staff
    # power: it waits for the second factor, what was typed kept for after (accounts.mfa).
    second_factor = None
    if services.is_moderator(request.user, idea.community) and not staff_power_allowed(request):
        second_factor = second_factor_url(request, request.get_full_path())
    elif request.method == "GET":
        initial.update(typed_take(request, request.path) or {})
    form = IdeaForm(request.POST or None, request.FILES or None, community=request.community, initial=initial)
    if request.method == "POST" and second_factor is not None:
        typed_keep(request, path=request.path, data={name: request.POST.get(name, "") for name in EDIT_TYPED})
        context = {"form": form, "idea": idea, "second_factor_url": second_factor, "second_factor_refused": True}
        return render(request, "ideas/idea_form.html", context, status=403)
    if request.method == "POST" and form.is_valid():
        submitted = _save_idea_form(
            form, lambda fields: services.idea_update(idea=idea, user=request.user, **fields), request, kind="idea_edit"
        )
        if submitted is not None:
            return answer_saved(
                request, submitted, lambda: _tell_saved(request, submitted, _("Your changes are saved."))
            )
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "idea": idea, "second_factor_url": second_factor}
    return render(request, "ideas/idea_form.html", context, status=status)


@require_POST
@member_required(on_visitor=_visitor_votes)
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.get_idea_for_action(request, pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return refuse(request, _("A vote is 1 or -1."), 400, idea)
    result = services.vote_toggle(idea=idea, user=request.user, value=form.cleaned_data["value"], seen=form.seen())
    if wants_json(request):
        return JsonResponse({"value": result.value, "votes": result.votes})
    return redirect(_back_to(request, idea.get_absolute_url()))


@require_POST
@member_required(on_visitor=_visitor_follows)
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.get_idea_for_action(request, pk)
    following = services.follow_toggle(idea=idea, user=request.user)
    back = _back_to(request, idea.get_absolute_url())
    if not wants_json(request):
        messages.success(request, _followed(following))
        return redirect(back)
    try:
        followers = IdeaStats.objects.values_list("followers", flat=True).get(pk=idea.pk)
    except Exception:  # the follow is saved: say so, without the count (see `answer_saved`)
        logger.exception("Counting the followers of idea %s after a follow failed", idea.pk)
        return JsonResponse({"following": following})
    label = ngettext("follower", "followers", followers)  # the word after the number
    return JsonResponse(
        {"following": following, "followers": followers, "followers_label": label, "message": _followed(following)}
    )


def _followed(following: bool) -> str:
    if following:
        return _("You follow this idea: you will hear of its comments, status and response.")
    return _("You no longer follow this idea.")


@require_POST
@member_required(on_visitor=_visitor_comments)
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.get_idea_for_action(request, pk)
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        # Only a comment this member can see can be replied to.
        parent = selectors.comment_for_reply(idea, request.user, form.cleaned_data["parent"])
        if parent is None:
            form.add_error("parent", _("The comment you reply to does not exist."))
    if form.errors:
        if wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        # The page comes back with the text in the main comment box: nothing typed is lost.
        idea = selectors.get_idea_for_viewer(request, pk)  # the whole page, this time
        return render(request, "ideas/idea_detail.html", _detail_context(request, idea, form), status=400)
    submitted = submit_once(
        request,
        kind="comment",
        create=lambda: services.comment_create(
            idea=idea, author=request.user, body=form.cleaned_data["body"], parent=parent, client=client_info(request)
        ),
        target_url=lambda comment: f"{idea.get_absolute_url()}#comment-{comment.pk}",
    )
    return answer_saved(request, submitted, lambda: _comment_posted(request, idea, submitted))


def _comment_posted(request: HttpRequest, idea, submitted: Submitted) -> HttpResponse:
    """A form goes to the comment; a script gets it rendered, the new count, and a fresh
    key for the form's next comment. Sent again, the first post's comment, with 200."""
    comment = submitted.created
    held = comment is not None and comment.moderation_state == ModerationState.PENDING
    message = _("Your comment is posted.") if not held else _("Your comment is posted; it will show once reviewed.")
    if not wants_json(request):
        messages.success(request, message)
        return redirect(submitted.target_url)
    if comment is None:
        comment = (
            Comment.objects.select_related("author")
            .filter(pk=submitted.object_id, idea=idea, author=request.user)
            .first()
        )
        if comment is None:  # the key came with another form
            return JsonResponse({"error": _("This form was sent already.")}, status=409)
    comment.thread_replies = []
    comment.author_role = role_in(request.user, idea.community)  # read with the idea: no query
    html = render_to_string("ideas/_comment.html", {"comment": comment, "idea": idea}, request=request)
    count = IdeaStats.objects.values_list("comments", flat=True).get(pk=idea.pk)
    label = ngettext("%(counter)s comment", "%(counter)s comments", count) % {"counter": count}
    return JsonResponse(
        {
            "id": comment.pk,
            "parent": comment.parent_id,
            "html": html,
            "comments": count,
            "comments_label": label,
            "form_key": form_key_new(),
            "message": message,
        },
        status=200 if submitted.again else 201,
    )


def _comment_for_viewer(request: HttpRequest, comment_pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("idea"), pk=comment_pk)
    selectors.get_idea_for_viewer(request, comment.idea_id)  # 404 unless the idea is visible here
    return comment


@member_required
def comment_edit(request: HttpRequest, comment_pk: int) -> HttpResponse:
    comment = _comment_for_viewer(request, comment_pk)
    sanction = active_sanction(request.user, request.community)
    if sanction is not None:
        return refuse(request, sanction_message(sanction), 403, comment.idea)
    if not services.can_edit_comment(comment, request.user):
        return refuse(request, _("Comments can be edited by their author for 15 minutes."), 403, comment.idea)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        submitted = submit_once(
            request,
            kind="comment_edit",
            create=lambda: services.comment_update(
                comment=comment, user=request.user, body=form.cleaned_data["body"], client=client_info(request)
            ),
            target_url=lambda saved: f"{comment.idea.get_absolute_url()}#comment-{saved.pk}",
        )
        return answer_saved(request, submitted, lambda: _comment_saved(request, submitted))
    status = 400 if request.method == "POST" else 200
    return render(request, "ideas/comment_form.html", {"form": form, "comment": comment}, status=status)


def _comment_saved(request: HttpRequest, submitted: Submitted) -> HttpResponse:
    messages.success(request, _("Your comment is saved."))
    return redirect(submitted.target_url)


@require_POST
@member_required
def comment_delete(request: HttpRequest, comment_pk: int) -> HttpResponse:
    comment = _comment_for_viewer(request, comment_pk)
    user = request.user
    if comment.author_id != user.pk and services.can_delete_comment(comment, user) and not staff_power_allowed(request):
        return _second_factor_first(
            request, comment.idea_id, _("Not deleted: deleting others’ comments needs your second factor.")
        )
    services.comment_delete(comment=comment, user=user)
    if wants_json(request):
        return JsonResponse({"deleted": True})
    messages.success(request, _("The comment is deleted."))
    return redirect(f"{comment.idea.get_absolute_url()}#comment-{comment.pk}")


def _second_factor_first(request: HttpRequest, idea_pk: int, message: str) -> HttpResponse:
    """Refuse a moderator's act on the idea page with 403 until the session used a second
    factor (accounts.mfa): the page again, the reason and the link to it."""
    idea = selectors.get_idea_for_viewer(request, idea_pk)
    url = second_factor_url(request, idea.get_absolute_url())
    if wants_json(request):
        return JsonResponse({"error": message, "second_factor_url": url}, status=403)
    context = {**_detail_context(request, idea, CommentForm()), "staff_refusal": message, "second_factor_url": url}
    return render(request, "ideas/idea_detail.html", context, status=403)


@require_GET
def similar(request: HttpRequest) -> JsonResponse:
    """Ideas close to what a member types (`title`, and the first lines of `body`), each with
    what a click on "vote for this instead" needs: the vote's URL, and for a member whether
    they voted already. A fixed number of queries whatever the number of suggestions."""
    if request.community is None:
        raise Http404
    form = SimilarForm(request.GET)
    if not form.is_valid():
        message = form.errors.get("title", form.errors.get("body", [_("Bad request.")]))[0]
        return JsonResponse({"error": message}, status=400)
    ideas = selectors.ideas_similar(request.community, form.cleaned_data["title"], body=form.cleaned_data["body"])
    signed_in = request.user.is_authenticated
    my_votes = selectors.member_votes(request.user, ideas)
    return JsonResponse(
        [
            {
                "id": idea.pk,
                "title": idea.title,
                "url": idea.get_absolute_url(),
                "votes": idea.stats.votes,
                "status": idea.status.name,
                "vote_url": reverse("ideas:vote", args=[idea.pk]),
                "can_vote": not idea.status.is_closed,
                # None for a visitor: the page cannot tell, and a click asks them to sign in.
                "voted": (my_votes.get(idea.pk) == 1) if signed_in else None,
            }
            for idea in ideas
        ],
        safe=False,
    )


@require_GET
@shared_page(members=member_pages.listing_reader)
def roadmap(request: HttpRequest) -> HttpResponse:
    if request.community is None:
        raise Http404
    columns = selectors.roadmap_columns(request.community, reader=request.user)
    return render(request, "ideas/roadmap.html", {"columns": columns})
