"""The moderation queue and its records in /admin/, scoped to the moderator's communities."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from community.admin import CommunityScopedAdmin
from community.models import Flag, ModerationDecision, ModerationItem, ModerationRule, ReasonTemplate, Role, Sanction
from community.models.moderation import OPEN_STATES, ItemState, Outcome
from community.moderation.rules import REASONS
from community.moderation.selectors import AuthorRecord, author_records
from community.moderation.services import NotAllowed, StaleItem, moderation_decide, sanction_impose
from community.selectors import communities_with_role, community_url

MODERATION_ROLES = (Role.MODERATOR, Role.ADMIN)


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Waiting")), *ItemState.choices]

    def choices(self, changelist):
        # "Waiting" is the default view of the queue; "All" is offered explicitly.
        value = self.value() or "open"
        yield {
            "selected": value == "all",
            "query_string": changelist.get_query_string({self.parameter_name: "all"}),
            "display": _("All"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "all":
            return queryset
        if value == "open":
            return queryset.filter(state__in=OPEN_STATES)
        return queryset.filter(state=value)


class ReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return list(REASONS.items())

    def queryset(self, request, queryset):
        if self.value() in REASONS:
            # Codes are space-separated words: match a whole code.
            code = self.value()
            return queryset.filter(
                Q(reasons=code)
                | Q(reasons__startswith=f"{code} ")
                | Q(reasons__endswith=f" {code}")
                | Q(reasons__contains=f" {code} ")
            )
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = _("waiting for")
    parameter_name = "age"
    BOUNDS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24)}

    def lookups(self, request, model_admin):
        return [("1h", _("Less than an hour")), ("24h", _("Less than a day")), ("older", _("More than a day"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() in self.BOUNDS:
            return queryset.filter(created_at__gte=now - self.BOUNDS[self.value()])
        if self.value() == "older":
            return queryset.filter(created_at__lt=now - self.BOUNDS["24h"])
        return queryset


class DecisionForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Reason"), queryset=ReasonTemplate.objects.none(), required=False, empty_label=_("(type a message)")
    )
    message = forms.CharField(
        label=_("Message to the author"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )

    def __init__(self, *args, communities, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReasonTemplate.objects.filter(community__in=communities)

    def clean(self):
        data = super().clean()
        data["final_message"] = (data.get("message") or "").strip() or (
            data["template"].message if data.get("template") else ""
        )
        return data


def reasons_in_words(codes: str) -> str:
    """ "banned_words links" -> "Banned words, Too many links" (unknown codes as they are)."""
    return ", ".join(str(REASONS.get(code, code)) for code in codes.split()) or "—"


class ItemDecisionForm(DecisionForm):
    """A decision on one item from its page: which one (the button pressed), and the
    message. A rejection says why: a reason template or a typed message."""

    OUTCOMES = {
        "approve": (Outcome.APPROVE, False),
        "approve_and_trust": (Outcome.APPROVE, True),
        "reject": (Outcome.REJECT, False),
        "hide": (Outcome.HIDE, False),
    }
    decision = forms.ChoiceField(choices=[(key, key) for key in OUTCOMES], widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data["final_message"]:
            raise forms.ValidationError(_("Say why: pick a reason or type a message for the author."))
        return data

    def decide(self, item: ModerationItem, moderator, **options):
        """The decision this valid form asks for, through moderation_decide (the item page and
        the review queue alike); `options` go to moderation_decide (waiting_only)."""
        outcome, trust = self.OUTCOMES[self.cleaned_data["decision"]]
        return moderation_decide(
            item=item,
            moderator=moderator,
            outcome=outcome,
            message=self.cleaned_data["final_message"],
            trust=trust,
            **options,
        )


def _item_url(item: ModerationItem) -> str:
    return reverse("admin:community_moderationitem_change", args=[item.pk])


def _latest_item(item: ModerationItem) -> ModerationItem | None:
    """The item about the current version of the same post."""
    same = {"kind": item.kind, "idea_id": item.idea_id, "comment_id": item.comment_id}
    return ModerationItem.objects.filter(**same).order_by("-revision").first()


def author_record(item: ModerationItem) -> AuthorRecord | None:
    """What a moderator weighs about the author in this community (see `author_records`),
    with the latest human decisions on their other posts, linked."""
    if item.author is None:
        return None
    record = author_records(authors=[(item.community_id, item.author)])[item.community_id, item.author_id]
    decisions = (
        ModerationDecision.objects.filter(item__community=item.community, item__author=item.author, automatic=False)
        .exclude(item=item)
        .select_related("decided_by", "item__idea__author", "item__comment__idea", "item__comment__author")
        .order_by("-created_at")[:10]
    )
    record.decisions = [(decision, _item_url(decision.item)) for decision in decisions]
    return record


@admin.register(ModerationItem)
class ModerationItemAdmin(CommunityScopedAdmin):
    # PRODUCT.md §1: the queue is the moderators' (and community admins').
    viewer_roles = MODERATION_ROLES
    editor_roles = MODERATION_ROLES
    list_display = ("summary", "kind", "community", "reason_labels", "state", "waiting", "author")
    list_filter = (StateFilter, ("community", admin.RelatedOnlyFieldListFilter), "kind", ReasonFilter, AgeFilter)
    list_select_related = ("community", "author", "idea__author", "comment__idea", "comment__author")
    search_fields = ("idea__title", "comment__body", "author__username")
    actions = ("approve", "approve_and_trust", "reject", "hide")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the queue is the audit trail's spine

    def get_urls(self):
        from community.moderation import review

        def view(function):
            return self.admin_site.admin_view(partial(function, self))

        return [
            path("review/", view(review.queue_view), name="community_moderationitem_review"),
            path("review/<int:pk>/", view(review.card_view), name="community_moderationitem_review_card"),
            path("review/<int:pk>/decide/", view(review.decide_view), name="community_moderationitem_review_decide"),
            path("review/<int:pk>/merge/", view(review.merge_view), name="community_moderationitem_review_merge"),
            *super().get_urls(),
        ]

    def moderated_communities(self, request: HttpRequest) -> QuerySet:
        return communities_with_role(request.user, MODERATION_ROLES)

    @admin.display(description=_("content"))
    def summary(self, item: ModerationItem) -> str:
        content = item.content
        if content is None:
            return "—"
        text = content.title if item.kind == ModerationItem.Kind.IDEA else content.body
        return text[:80]

    @admin.display(description=_("reasons"))
    def reason_labels(self, item: ModerationItem) -> str:
        return reasons_in_words(item.reasons)

    @admin.display(description=_("waiting"), ordering="created_at")
    def waiting(self, item: ModerationItem) -> str:
        minutes = int((timezone.now() - item.created_at).total_seconds() // 60)
        return gettext("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}

    # --- The item page ----------------------------------------------------------------------

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        """The item page: the content as published, its context, why it waits, the author's
        record, and the decisions as buttons, each through `moderation_decide`.

        Another community's item is "not found" (the admin's redirect for a page, 404 for a
        decision); staff without a moderation role get 403.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        item = self.get_object(request, object_id)
        if item is None:
            if request.method == "POST":
                raise Http404
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        may_decide = self.has_change_permission(request, item)
        form = None
        if request.method == "POST":
            if not may_decide:
                raise PermissionDenied
            form = ItemDecisionForm(request.POST, communities=[item.community])
            if form.is_valid():
                return self._decide_one(request, item, form)
        return self._item_page(request, item, form, may_decide=may_decide)

    def _decide_one(self, request: HttpRequest, item: ModerationItem, form: ItemDecisionForm) -> HttpResponse:
        try:
            decision = form.decide(item, request.user)
        except NotAllowed as refusal:
            raise PermissionDenied from refusal
        except StaleItem:
            message = gettext("This post was edited after it was queued: decide its latest version.")
            self.message_user(request, message, messages.WARNING)
            latest = _latest_item(item)
            return HttpResponseRedirect(_item_url(latest or item))
        self.message_user(request, str(decision), messages.SUCCESS)
        waiting = (
            self.get_queryset(request)
            .filter(community=item.community, state=ItemState.HELD)
            .exclude(pk=item.pk)
            .order_by("created_at", "pk")
            .first()
        )
        if waiting is not None:
            return HttpResponseRedirect(_item_url(waiting))
        message = gettext("Nothing else is waiting in %(community)s.") % {"community": item.community}
        self.message_user(request, message, messages.INFO)
        return HttpResponseRedirect(reverse("admin:community_moderationitem_changelist"))

    def _item_page(self, request: HttpRequest, item: ModerationItem, form, *, may_decide: bool) -> HttpResponse:
        from ideas.models import Comment

        content = item.content
        stale = item.state == ItemState.SUPERSEDED or content is None or content.revision != item.revision
        latest = _latest_item(item) if stale else None
        idea = content if item.kind == ModerationItem.Kind.IDEA else getattr(content, "idea", None)
        parent = content.parent if isinstance(content, Comment) and content.parent_id else None
        flags = Flag.objects.none()
        if content is not None:
            on = {"comment": content} if isinstance(content, Comment) else {"idea": content, "comment": None}
            flags = Flag.objects.filter(**on).select_related("flagger").order_by("-created_at")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(item),
            "item": item,
            "original": item,
            "content": content,
            "is_idea": item.kind == ModerationItem.Kind.IDEA,
            "images": list(content.images.all()) if item.kind == ModerationItem.Kind.IDEA and content else [],
            "idea": idea,
            "idea_admin_url": reverse("admin:ideas_idea_change", args=[idea.pk]) if idea else "",
            "idea_public_url": community_url(item.community, idea.get_absolute_url()) if idea else "",
            "parent": parent,
            "reasons": [REASONS.get(code, code) for code in item.reason_codes()],
            "flags": flags,
            "record": author_record(item),
            "decisions": item.decisions.select_related("decided_by"),
            "waiting": self.waiting(item),
            "stale": stale,
            "latest_url": _item_url(latest) if latest and latest.pk != item.pk else "",
            "may_decide": may_decide and not stale,
            "form": form or ItemDecisionForm(communities=[item.community]),
        }
        status = 400 if form is not None else 200
        return render(request, "admin/community/moderationitem/item.html", context, status=status)

    def _decide(self, request: HttpRequest, queryset: QuerySet, outcome: str, *, trust: bool = False, title: str):
        communities = communities_with_role(request.user, MODERATION_ROLES)
        if "apply" in request.POST:
            form = DecisionForm(request.POST, communities=communities)
            if form.is_valid():
                done = 0
                for item in queryset.select_related("community"):
                    try:
                        moderation_decide(
                            item=item,
                            moderator=request.user,
                            outcome=outcome,
                            message=form.cleaned_data["final_message"],
                            trust=trust,
                        )
                        done += 1
                    except NotAllowed:
                        self.message_user(
                            request, gettext("Not allowed for %(item)s.") % {"item": item}, messages.ERROR
                        )
                    except StaleItem:
                        message = gettext("%(item)s was edited since: decide its latest version.") % {"item": item}
                        self.message_user(request, message, messages.WARNING)
                decided = ngettext("%(count)d item decided.", "%(count)d items decided.", done) % {"count": done}
                self.message_user(request, decided)
                return None
        else:
            form = DecisionForm(communities=communities)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "items": queryset,
            "form": form,
            "action": request.POST.get("action"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return render(request, "admin/community/decision_form.html", context)

    @admin.action(description=_("Approve"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide(request, queryset, Outcome.APPROVE, title=gettext("Approve"))

    @admin.action(description=_("Approve and trust the author"), permissions=["change"])
    def approve_and_trust(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide(
            request, queryset, Outcome.APPROVE, trust=True, title=gettext("Approve and trust the author")
        )

    @admin.action(description=_("Reject"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide(request, queryset, Outcome.REJECT, title=gettext("Reject"))

    @admin.action(description=_("Hide"), permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide(request, queryset, Outcome.HIDE, title=gettext("Hide"))


class ReadOnlyScopedAdmin(CommunityScopedAdmin):
    viewer_roles = MODERATION_ROLES

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(ReadOnlyScopedAdmin):
    community_field = "item__community"
    list_display = ("created_at", "item", "outcome", "automatic", "decided_by", "reason_words")
    list_filter = ("outcome", "automatic")
    list_select_related = ("item__idea__author", "item__comment__idea", "item__comment__author", "decided_by")
    fields = ("created_at", "item", "outcome", "automatic", "decided_by", "reason_words", "message", "trusted")
    readonly_fields = ("reason_words",)

    @admin.display(description=_("reasons"))
    def reason_words(self, decision: ModerationDecision) -> str:
        return reasons_in_words(decision.reasons)


@admin.register(Flag)
class FlagAdmin(ReadOnlyScopedAdmin):
    list_display = ("created_at", "flagger", "idea", "comment", "reason", "weight", "upheld")
    list_filter = ("reason", "upheld")
    list_select_related = ("flagger", "idea", "comment__idea", "comment__author")


class SanctionForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        queryset=User.objects.all(),
        to_field_name="username",
        widget=forms.TextInput,
        label=_("Username"),
        error_messages={"invalid_choice": _("No member has this username.")},
    )

    class Meta:
        model = Sanction
        fields = ("community", "user", "kind", "until", "reason")


@admin.register(Sanction)
class SanctionAdmin(CommunityScopedAdmin):
    viewer_roles = MODERATION_ROLES
    editor_roles = MODERATION_ROLES
    form = SanctionForm
    list_display = ("user", "community", "kind", "until", "created_by", "created_at", "lifted_at")
    list_filter = ("kind", ("community", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "community", "created_by")
    search_fields = ("user__username",)
    actions = ("lift",)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # lifted, never erased

    def save_model(self, request: HttpRequest, obj: Sanction, form, change: bool) -> None:
        if not change:
            sanction_impose(sanction=obj, by=request.user)  # the member is told why and until when
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Lift the selected sanctions"), permissions=["change"])
    def lift(self, request: HttpRequest, queryset: QuerySet) -> None:
        lifted = queryset.filter(lifted_at=None).update(lifted_at=timezone.now())
        message = ngettext("%(count)d sanction lifted.", "%(count)d sanctions lifted.", lifted) % {"count": lifted}
        self.message_user(request, message)


@admin.register(ModerationRule)
class ModerationRuleAdmin(CommunityScopedAdmin):
    list_display = (
        "community",
        "max_links",
        "new_member_hold_count",
        "max_posts_per_hour",
        "flag_threshold",
        "use_spam_check",
    )


@admin.register(ReasonTemplate)
class ReasonTemplateAdmin(CommunityScopedAdmin):
    editor_roles = MODERATION_ROLES
    list_display = ("label", "community", "order")
    list_filter = (("community", admin.RelatedOnlyFieldListFilter),)


def waiting_count(user: User) -> int:
    """Items waiting in the queue of the user's communities (shown on the admin index)."""
    communities = communities_with_role(user, MODERATION_ROLES)
    return ModerationItem.objects.filter(community__in=communities, state__in=OPEN_STATES).count()
