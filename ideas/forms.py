from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.models import Category, Community, Flag, Status
from config.images import MAX_BYTES, MAX_IMAGES, image_validate
from ideas.selectors import SORTS, ListingFilters, categories_of, statuses_of
from ideas.services import MAX_TAGS, UNSEEN


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several images in one input, each checked by Pillow (config/images.py)."""

    def __init__(self, *args, **kwargs) -> None:
        # The limits ride on the input, so that the picker (static/js/file_picker.js) can tell
        # before the upload what the server would refuse after it.
        attrs = {
            "accept": "image/jpeg,image/png,image/webp,image/gif",
            "data-max-files": MAX_IMAGES,
            "data-max-bytes": MAX_BYTES,
        }
        kwargs.setdefault("widget", MultipleImageInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(files) > MAX_IMAGES:
            raise ValidationError(_("At most %(count)d images per idea.") % {"count": MAX_IMAGES})
        errors = []
        for upload in files:
            try:
                upload = super().clean(upload, initial)
                image_validate(upload)
            except ValidationError as error:
                name = getattr(upload, "name", "")
                errors.extend(message if name in message else f"“{name}” : {message}" for message in error.messages)
        if errors:
            raise ValidationError(errors)
        return files


def parse_tags(text: str) -> list[str]:
    return [tag.strip() for tag in text.split(",") if tag.strip()]


class IdeaForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        min_length=5,
        max_length=120,
        help_text=_("Your idea in one sentence."),
        # No autocomplete="off": the browser restores the title after a look at a suggestion.
        widget=forms.TextInput(attrs={"data-similar-source": "true"}),
    )
    body = forms.CharField(
        label=_("Description"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What would it change, and for whom? Markdown works: **bold**, lists, [links](https://…)."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("No category")
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=300, help_text=_("Up to 5, separated by commas.")
    )
    images = MultipleImageField(
        label=_("Images"), required=False, help_text=_("Up to 4 images (JPEG, PNG, WebP or GIF, 5 MB each).")
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(community=community)

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if len(title) < 5:
            raise ValidationError(_("The title needs at least 5 characters."))
        return title

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Describe your idea."))
        return body

    def clean_tags(self) -> list[str]:
        tags = parse_tags(self.cleaned_data["tags"])
        if len(tags) > MAX_TAGS:
            raise ValidationError(_("At most %(count)d tags.") % {"count": MAX_TAGS})
        if any(len(tag) > 50 for tag in tags):
            raise ValidationError(_("A tag has at most 50 characters."))
        return tags


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown works: **bold**, lists, [links](https://…); @name tells a member."),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Write something first."))
        return body


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(choices=[("1", "+1"), ("-1", "-1")], coerce=int, required=False, empty_value=1)
    # The member's vote as the page showed it (0: none), so that the same form sent twice
    # means the same thing; absent (an older page, a script), the vote is toggled.
    current = forms.TypedChoiceField(
        choices=[("1", "+1"), ("-1", "-1"), ("0", "0")], coerce=int, required=False, empty_value=None
    )

    def seen(self):
        """The `seen` argument of `vote_toggle`."""
        current = self.cleaned_data["current"]
        return UNSEEN if current is None else (current or None)


class SimilarForm(forms.Form):
    """What /ideas/similar/ reads: the title typed so far and the first lines of the body
    (the page sends up to BODY_SENT characters; only those are used)."""

    BODY_SENT = 300

    title = forms.CharField(required=False, max_length=200, error_messages={"max_length": _("The title is too long.")})
    body = forms.CharField(
        required=False, max_length=2000, error_messages={"max_length": _("The description is too long.")}
    )

    def clean_body(self) -> str:
        return self.cleaned_data["body"][: self.BODY_SENT]


class ListFilterForm(forms.Form):
    """The list's query string; unknown values are refused rather than silently ignored."""

    sort = forms.ChoiceField(choices=[(key, key) for key in [*SORTS, "relevance"]], required=False)
    status = forms.SlugField(required=False)
    category = forms.SlugField(required=False)
    tag = forms.CharField(required=False, max_length=100)
    q = forms.CharField(required=False, max_length=200)
    mine = forms.BooleanField(required=False)
    followed = forms.BooleanField(required=False)

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.community = community

    def _pick(self, slug: str, rows: list, label: str):
        if not slug:
            return None
        for row in rows:
            if row.slug == slug:
                return row
        raise ValidationError(_("Unknown %(what)s “%(slug)s”.") % {"what": label, "slug": slug})

    def clean_status(self) -> Status | None:
        return self._pick(self.cleaned_data["status"], statuses_of(self.community), _("status"))

    def clean_category(self) -> Category | None:
        return self._pick(self.cleaned_data["category"], categories_of(self.community), _("category"))

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def filters(self) -> ListingFilters:
        """The listing the valid form asks for (a search sorts by relevance by default);
        the site's page and the API both read it so."""
        data = self.cleaned_data
        return ListingFilters(
            sort=data["sort"] or ("relevance" if data["q"] else "hot"),
            status=data["status"],
            category=data["category"],
            tag=data["tag"],
            q=data["q"],
            mine=data["mine"],
            followed=data["followed"],
        )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why?"), choices=Flag.Reason.choices)
    note = forms.CharField(label=_("Details (optional)"), required=False, max_length=500)


class ResponseForm(forms.Form):
    """An official response as the idea page's manager form sends it."""

    ACTIONS = ("save", "submit", "approve", "return", "schedule", "publish", "withdraw")

    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])
    response = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Official response"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown. Declining an idea or marking it a duplicate needs a public reason here."),
    )
    status = forms.ModelChoiceField(
        label=_("New status"), queryset=None, required=False, empty_label=_("Keep the current status")
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, community, **kwargs) -> None:
        # Its own ids: the idea page also holds the comment form, whose text is `body` too.
        kwargs.setdefault("auto_id", "id_response_%s")
        super().__init__(*args, **kwargs)
        self.fields["status"].queryset = community.statuses.all()

    def clean(self):
        data = super().clean()
        if data.get("action") == "schedule" and not data.get("publish_at"):
            self.add_error("publish_at", _("Choose when to publish."))
        return data
