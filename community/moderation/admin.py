"""The moderation queue and its records in /admin/, scoped to the moderator's communities."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from community.admin import CommunityScopedAdmin
from community.models import Flag, ModerationDecision, ModerationItem, ModerationRule, ReasonTemplate, Role, Sanction
from community.models.moderation import OPEN_STATES, ItemState, Outcome
from community.moderation.rules import REASONS
from community.moderation.services import NotAllowed, StaleItem, moderation_decide
from community.selectors import communities_with_role

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


class DecisionInline(admin.TabularInline):
    model = ModerationDecision
    extra = 0
    can_delete = False
    fields = ("created_at", "outcome", "automatic", "decided_by", "reasons", "message")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ModerationItem)
class ModerationItemAdmin(CommunityScopedAdmin):
    # PRODUCT.md §1: the queue is the moderators' (and community admins').
    viewer_roles = MODERATION_ROLES
    editor_roles = MODERATION_ROLES
    list_display = ("summary", "kind", "community", "reason_labels", "state", "waiting", "author")
    list_filter = (StateFilter, ("community", admin.RelatedOnlyFieldListFilter), "kind", ReasonFilter, AgeFilter)
    list_select_related = ("community", "author", "idea", "comment")
    search_fields = ("idea__title", "comment__body", "author__username")
    readonly_fields = (
        "community",
        "kind",
        "state",
        "revision",
        "reason_labels",
        "preview",
        "author_history",
        "created_at",
        "decided_at",
    )
    fields = readonly_fields
    inlines = (DecisionInline,)
    actions = ("approve", "approve_and_trust", "reject", "hide")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the queue is the audit trail's spine

    @admin.display(description=_("content"))
    def summary(self, item: ModerationItem) -> str:
        content = item.content
        if content is None:
            return "—"
        text = content.title if item.kind == ModerationItem.Kind.IDEA else content.body
        return text[:80]

    @admin.display(description=_("reasons"))
    def reason_labels(self, item: ModerationItem) -> str:
        return ", ".join(str(REASONS.get(code, code)) for code in item.reason_codes()) or "—"

    @admin.display(description=_("waiting"), ordering="created_at")
    def waiting(self, item: ModerationItem) -> str:
        minutes = int((timezone.now() - item.created_at).total_seconds() // 60)
        return gettext("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}

    @admin.display(description=_("content as published"))
    def preview(self, item: ModerationItem) -> str:
        content = item.content
        if content is None:
            return "—"
        title = format_html("<h3>{}</h3>", content.title) if item.kind == ModerationItem.Kind.IDEA else ""
        # body_html is sanitized by nh3 when saved (ideas/rendering.py).
        return format_html('{}<div class="moderation-preview">{}</div>', title, mark_safe(content.body_html))  # noqa: S308

    @admin.display(description=_("author's history"))
    def author_history(self, item: ModerationItem) -> str:
        from ideas.models import Comment, Idea

        author = item.author
        if author is None:
            return _("Former member")
        ideas = Idea.objects.filter(community=item.community, author=author).count()
        comments = Comment.objects.filter(idea__community=item.community, author=author).count()
        decisions = (
            ModerationDecision.objects.filter(item__community=item.community, item__author=author, automatic=False)
            .values_list("outcome")
            .annotate(count=Count("pk"))
        )
        flags = Flag.objects.filter(community=item.community, flagger=author).aggregate(
            made=Count("pk"), upheld=Count("pk", filter=Q(upheld=True))
        )
        received = Flag.objects.filter(
            Q(idea__author=author, comment=None) | Q(comment__author=author), community=item.community
        ).count()
        lines = [
            gettext("%(name)s, member since %(date)s")
            % {"name": author.public_name, "date": author.date_joined.date()},
            gettext("%(ideas)d ideas, %(comments)d comments") % {"ideas": ideas, "comments": comments},
            gettext("Moderator decisions: %(list)s")
            % {"list": ", ".join(f"{Outcome(outcome).label} × {count}" for outcome, count in decisions) or "—"},
            gettext("Flags made: %(made)d (%(upheld)d upheld); flags received: %(received)d")
            % {**flags, "received": received},
        ]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

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
                self.message_user(request, gettext("%(count)d item(s) decided.") % {"count": done})
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
    list_display = ("created_at", "item", "outcome", "automatic", "decided_by", "reasons")
    list_filter = ("outcome", "automatic")
    list_select_related = ("item", "decided_by")

    def _community_of(self, obj):
        return obj.item.community


@admin.register(Flag)
class FlagAdmin(ReadOnlyScopedAdmin):
    list_display = ("created_at", "flagger", "idea", "comment", "reason", "weight", "upheld")
    list_filter = ("reason", "upheld")
    list_select_related = ("flagger", "idea", "comment")


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
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Lift the selected sanctions"), permissions=["change"])
    def lift(self, request: HttpRequest, queryset: QuerySet) -> None:
        lifted = queryset.filter(lifted_at=None).update(lifted_at=timezone.now())
        self.message_user(request, gettext("%(count)d sanction(s) lifted.") % {"count": lifted})


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
