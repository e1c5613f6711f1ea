"""Ideas in /admin/: scoped to the moderator's communities, with merge and unmerge."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.admin import CommunityScopedAdmin
from community.models import Role
from community.selectors import communities_with_role
from ideas import responses
from ideas.duplicate_pairs import duplicate_merge, duplicates_dismiss
from ideas.duplicates import synonyms_changed
from ideas.exceptions import Refused
from ideas.models import (
    Comment,
    DuplicateCandidate,
    Idea,
    Merge,
    OfficialResponse,
    ResponseRevision,
    StatusChange,
    Synonym,
)
from ideas.responses import SPEAKER_ROLES
from ideas.selectors import ideas_similar
from ideas.services import (
    STATUSES_NEEDING_REASON,
    idea_merge,
    idea_refresh,
    idea_set_status,
    idea_unmerge,
    ideas_delete,
)
from ideas.similarity import terms

MODERATION_ROLES = (Role.MODERATOR, Role.ADMIN)


class IdeaAdminForm(forms.ModelForm):
    status_reason = forms.CharField(
        label=_("Public reason for the status change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when an idea is declined or marked as a duplicate; shown in its history."),
    )

    class Meta:
        model = Idea
        fields = ("title", "body", "category", "tags", "status")

    def clean(self):
        data = super().clean()
        status = data.get("status")
        needs_reason = "status" in self.changed_data and status and status.slug in STATUSES_NEEDING_REASON
        if needs_reason and not (data.get("status_reason") or "").strip():
            self.add_error("status_reason", _("Say publicly why."))
        return data


class ScopedStatusFilter(admin.SimpleListFilter):
    """Statuses of the moderator's own communities only."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        from community.models import Status

        statuses = Status.objects.filter(community__in=communities_with_role(request.user)).select_related("community")
        return [(status.pk, f"{status.name} · {status.community}") for status in statuses]

    def queryset(self, request, queryset):
        # Only a status offered in the list: anything else ("²", a huge number, another
        # community's status) leaves the list unfiltered.
        value = self.value()
        offered = {str(pk) for pk, _name in self.lookup_choices}
        return queryset.filter(status_id=int(value)) if value in offered else queryset


class MergeForm(forms.Form):
    """The idea that stays: one of the likely originals (public ideas of the same community
    whose title is close to the duplicate's), or any other by its id."""

    candidate = forms.TypedChoiceField(
        label=_("The idea that stays"), coerce=int, required=False, widget=forms.RadioSelect, empty_value=None
    )
    original = forms.IntegerField(
        label=_("Or the idea with id"),
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text=_("The idea that stays, with every vote."),
    )

    def __init__(self, *args, candidates: list[Idea] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = [
            (idea.pk, f"#{idea.pk} · {idea.title} ({idea.stats.votes} · {idea.status.name})") for idea in candidates
        ]
        if not candidates:
            del self.fields["candidate"]

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = cleaned.get("original") or cleaned.get("candidate")
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Pick the idea that stays, or give its id."))
        cleaned["chosen"] = chosen
        return cleaned


def merge_candidates(duplicates: QuerySet) -> list[Idea]:
    """Public ideas of the first duplicate's community whose titles are close to the
    duplicates' (the same suggestions members get while typing), the duplicates left out."""
    first = duplicates.select_related("community").first()
    if first is None:
        return []
    chosen = set(duplicates.values_list("pk", flat=True))
    found: dict[int, Idea] = {}
    for duplicate in duplicates.filter(community=first.community)[:5]:
        for idea in ideas_similar(first.community, duplicate.title, limit=6, exclude=duplicate.pk):
            if idea.pk not in chosen:
                found.setdefault(idea.pk, idea)
    return list(found.values())[:8]


@admin.register(Idea)
class IdeaAdmin(CommunityScopedAdmin):
    editor_roles = MODERATION_ROLES
    list_display = ("title", "community", "status", "moderation_state", "votes", "author", "created_at")
    form = IdeaAdminForm
    list_filter = (("community", admin.RelatedOnlyFieldListFilter), "moderation_state", ScopedStatusFilter)
    search_fields = ("title", "author__username")
    list_select_related = ("community", "status", "author", "stats")
    # The moderation state changes through the moderation queue, which keeps the audit log.
    readonly_fields = ("community", "author", "moderation_state", "merged_into", "created_at", "updated_at")
    fields = (
        "title",
        "body",
        "category",
        "tags",
        "status",
        "status_reason",
        "moderation_state",
        "community",
        "author",
        "merged_into",
        "created_at",
        "updated_at",
    )
    actions = ("merge_into",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # ideas are posted on the site (ideas.services.idea_create)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser  # moderators hide or merge; they do not erase

    def delete_model(self, request: HttpRequest, obj: Idea) -> None:
        ideas_delete(ideas=Idea.objects.filter(pk=obj.pk))  # and the stored pictures

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        ideas_delete(ideas=queryset)

    @admin.display(description=_("votes"), ordering="stats__votes")
    def votes(self, idea: Idea) -> int:
        return idea.stats.votes

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        idea = getattr(request, "_admin_idea", None)
        if idea is not None and db_field.name in {"status", "category"}:
            field.queryset = field.queryset.filter(community=idea.community)
        return field

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._admin_idea = obj
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Idea, form, change: bool) -> None:
        new_status = form.cleaned_data.get("status")
        if change and "status" in form.changed_data:
            obj.status_id = form.initial["status"]  # the service moves it and writes the history
        super().save_model(request, obj, form, change)
        if change and "status" in form.changed_data:
            idea_set_status(
                idea=obj,
                status=new_status,
                user=request.user,
                reason=form.cleaned_data.get("status_reason", "").strip(),
            )
        idea_refresh(idea=obj)

    @admin.action(description=_("Merge the selected ideas into another idea"))
    def merge_into(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        candidates = merge_candidates(queryset)
        if "apply" in request.POST:
            form = MergeForm(request.POST, candidates=candidates)
            if form.is_valid():
                original = self.get_queryset(request).filter(pk=form.cleaned_data["chosen"]).first()
                if original is None:
                    form.add_error("original", _("No idea with this id in your communities."))
                else:
                    merged = 0
                    for duplicate in queryset:
                        try:
                            idea_merge(duplicate=duplicate, original=original, user=request.user)
                            merged += 1
                        except Refused as refusal:
                            self.message_user(request, f"{duplicate}: {refusal.message}", messages.ERROR)
                    if merged:
                        self.message_user(
                            request,
                            ngettext(
                                "%(count)d idea merged into “%(title)s”.",
                                "%(count)d ideas merged into “%(title)s”.",
                                merged,
                            )
                            % {"count": merged, "title": original},
                        )
                    return None
        else:
            form = MergeForm(candidates=candidates)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge ideas"),
            "ideas": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return render(request, "admin/ideas/merge_form.html", context)


@admin.register(Merge)
class MergeAdmin(CommunityScopedAdmin):
    community_field = "duplicate__community"
    editor_roles = MODERATION_ROLES
    list_display = ("duplicate", "original", "merged_by", "created_at", "undone_at")
    list_select_related = ("duplicate", "original", "merged_by")
    readonly_fields = ("duplicate", "original", "merged_by", "previous_status", "moved", "created_at", "undone_at")
    actions = ("undo",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the record is how a merge is undone, and the audit of it

    @admin.action(description=_("Undo the selected merges"))
    def undo(self, request: HttpRequest, queryset: QuerySet) -> None:
        for merge in queryset.select_related("duplicate__community", "original"):
            try:
                idea_unmerge(merge=merge, user=request.user)
                self.message_user(request, _("“%(title)s” is separate again.") % {"title": merge.duplicate})
            except Refused as refusal:
                self.message_user(request, f"{merge}: {refusal.message}", messages.ERROR)


class PairStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("To look at")), ("settled", _("Merged or dismissed"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(dismissed_at=None)
        if self.value() == "settled":
            return queryset.exclude(dismissed_at=None)
        return queryset


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(CommunityScopedAdmin):
    """Likely duplicates found each night and when ideas are posted (ideas/duplicate_pairs.py):
    merge the idea into its likely original, or dismiss the pair."""

    editor_roles = MODERATION_ROLES
    # Who dismissed a pair is on its page: the list stays within the page's width.
    list_display = ("idea_link", "likely_original_link", "closeness", "found_at", "dismissed_at")
    list_filter = (PairStateFilter, ("community", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("idea", "likely_original", "dismissed_by")
    search_fields = ("idea__title", "likely_original__title")
    readonly_fields = (
        "community", "idea", "likely_original", "score", "found_at", "dismissed_at", "dismissed_by",
    )  # fmt: skip
    actions = ("merge", "dismiss")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a dismissed pair is kept, so that it is not suggested again

    @admin.display(description=_("closeness"), ordering="score")
    def closeness(self, pair: DuplicateCandidate) -> str:
        # A percentage reads better than 0.6827968350955027.
        return "—" if pair.score is None else formats.number_format(round(pair.score * 100)) + " %"

    @admin.display(description=_("possible duplicate"), ordering="idea__title")
    def idea_link(self, pair: DuplicateCandidate) -> str:
        return f"#{pair.idea_id} {pair.idea.title}"

    @admin.display(description=_("likely original"), ordering="likely_original__title")
    def likely_original_link(self, pair: DuplicateCandidate) -> str:
        return f"#{pair.likely_original_id} {pair.likely_original.title}"

    @admin.action(description=_("Merge each selected idea into its likely original"), permissions=["change"])
    def merge(self, request: HttpRequest, queryset: QuerySet) -> None:
        merged = set()
        for pair in queryset.filter(dismissed_at=None).select_related("idea__community").order_by("pk"):
            if pair.idea_id in merged:
                continue  # an idea merges into one original; its other pairs are settled with it
            try:
                duplicate_merge(duplicate=pair.idea, original_id=pair.likely_original_id, user=request.user)
            except Refused as refusal:
                self.message_user(request, f"{pair}: {refusal.message}", messages.ERROR)
                continue
            merged.add(pair.idea_id)
            self.message_user(
                request,
                _("“%(duplicate)s” merged into “%(original)s”.")
                % {"duplicate": pair.idea.title, "original": pair.likely_original.title},
            )

    @admin.action(description=_("Dismiss the selected pairs: not duplicates"), permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = duplicates_dismiss(pairs=queryset, user=request.user)
        self.message_user(
            request, ngettext("%(count)d pair dismissed.", "%(count)d pairs dismissed.", count) % {"count": count}
        )


@admin.register(Comment)
class CommentAdmin(CommunityScopedAdmin):
    community_field = "idea__community"
    editor_roles = MODERATION_ROLES
    list_display = ("excerpt", "author", "idea", "moderation_state", "created_at", "deleted_at")
    list_filter = ("moderation_state",)
    list_select_related = ("idea", "author")
    # Read-only: comments are moderated through the queue (hide, reject), which keeps the
    # counters and the audit log right.
    fields = ("idea", "author", "parent", "body", "moderation_state", "created_at", "edited_at", "deleted_at")
    readonly_fields = fields

    @admin.display(description=_("comment"))
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(80)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(CommunityScopedAdmin):
    community_field = "idea__community"
    list_display = ("idea", "from_status", "to_status", "changed_by", "created_at")
    list_select_related = ("idea", "from_status", "to_status", "changed_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ResponseRevisionInline(admin.TabularInline):
    model = ResponseRevision
    extra = 0
    can_delete = False
    fields = ("created_at", "edited_by", "body")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OfficialResponse)
class OfficialResponseAdmin(CommunityScopedAdmin):
    """Official responses of the manager's communities, with their revisions. Text is
    written on the idea page; the actions here go through the same services as the site."""

    community_field = "idea__community"
    viewer_roles = (*SPEAKER_ROLES, Role.MODERATOR)
    editor_roles = SPEAKER_ROLES
    list_display = ("idea", "state", "author", "status", "publish_at", "published_at")
    list_filter = ("state",)
    list_select_related = ("idea", "author", "status")
    search_fields = ("idea__title", "body")
    fields = ("idea", "body", "status", "state", "author", "edited_by", "approved_by", "publish_at", "published_at")
    readonly_fields = fields
    inlines = [ResponseRevisionInline]
    actions = ["approve", "publish_now", "withdraw"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # withdraw instead: what was public stays on record

    def _each(self, request, queryset, action, done_message) -> None:
        for response in queryset.select_related("idea__community"):
            try:
                action(response=response, user=request.user)
                self.message_user(request, f"{response.idea}: {done_message}")
            except Refused as refusal:
                self.message_user(request, f"{response.idea}: {refusal.message}", messages.ERROR)

    @admin.action(description=_("Approve (a second manager)"))
    def approve(self, request, queryset) -> None:
        self._each(request, queryset, responses.response_approve, _("approved."))

    @admin.action(description=_("Publish now"))
    def publish_now(self, request, queryset) -> None:
        self._each(request, queryset, responses.response_publish, _("being published."))

    @admin.action(description=_("Withdraw"))
    def withdraw(self, request, queryset) -> None:
        self._each(request, queryset, responses.response_withdraw, _("withdrawn."))


MAX_SYNONYMS = 40


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ("community", "words")
        widgets = {"words": forms.Textarea(attrs={"rows": 3})}

    def clean_words(self) -> str:
        forms_ = [form.strip() for form in self.cleaned_data["words"].replace("\n", ",").split(",") if form.strip()]
        if len(forms_) < 2:
            raise forms.ValidationError(_("Give at least two words or phrases, separated by commas."))
        if len(forms_) > MAX_SYNONYMS:
            raise forms.ValidationError(_("At most %(count)d words or phrases in one group.") % {"count": MAX_SYNONYMS})
        if any(len(form) > 60 for form in forms_):
            raise forms.ValidationError(_("Each word or phrase has at most 60 characters."))
        if not all(terms(form) for form in forms_):
            raise forms.ValidationError(
                _("Each entry needs a word that says something (not only “the”, “les”, “please”…).")
            )
        return ", ".join(forms_)


@admin.register(Synonym)
class SynonymAdmin(CommunityScopedAdmin):
    """A community's own synonyms for duplicate detection (its products, places, jargon);
    its admins edit them, its other staff see them. Each change re-indexes its ideas."""

    form = SynonymForm
    list_display = ("words", "community", "updated_at")
    list_filter = (("community", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("words",)
    list_select_related = ("community",)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        before = form.initial.get("community") if change else None
        super().save_model(request, obj, form, change)
        for community_id in {obj.community_id, before} - {None}:
            synonyms_changed(community_id)

    def delete_model(self, request: HttpRequest, obj) -> None:
        super().delete_model(request, obj)
        synonyms_changed(obj.community_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        communities = set(queryset.values_list("community_id", flat=True))
        super().delete_queryset(request, queryset)
        for community_id in communities:
            synonyms_changed(community_id)
