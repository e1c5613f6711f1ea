"""What the living design page (/design/, docs/design.md) shows: the tokens, read from
static/css/tokens.css itself so that the page cannot drift from it, and a specimen form
whose fields show every kind of form field the components style."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

TOKENS_CSS = Path(settings.BASE_DIR) / "static" / "css" / "tokens.css"
# The first `:root { … }` block: the light theme's values and every token that has no theme.
ROOT_BLOCK = re.compile(r":root\s*\{(?P<body>.*?)\n\}", re.DOTALL)
DECLARATION = re.compile(r"--(?P<name>[a-z0-9-]+):\s*(?P<value>[^;]+);")
TYPE_SCALE = re.compile(r"^text-(xs|sm|md|lg|\d?xl)$")
# Tokens that name a colour: the neutral scale, the brand's and the roles (light-dark(light, dark)).
COLOUR_VALUE = re.compile(r"^(#|var\(--(n-|brand-)|light-dark\()")


@dataclass(frozen=True)
class Token:
    name: str
    value: str

    @property
    def var(self) -> str:
        return f"--{self.name}"


@cache
def tokens() -> dict[str, list[Token]]:
    """The tokens of tokens.css by group, in the file's order: neutral, brand, roles (the
    colours that change with the theme), spacing, radii, type, shadows, focus and the rest."""
    body = ROOT_BLOCK.search(TOKENS_CSS.read_text(encoding="utf-8"))
    if body is None:
        raise ValueError(f"{TOKENS_CSS} has no :root block")
    groups: dict[str, list[Token]] = {
        key: [] for key in ("neutral", "brand", "roles", "spacing", "radii", "type", "shadows", "focus", "other")
    }
    for match in DECLARATION.finditer(body.group("body")):
        token = Token(match["name"], " ".join(match["value"].split()))
        groups[_group_of(token)].append(token)
    return groups


def _group_of(token: Token) -> str:
    name = token.name
    if name.startswith("n-"):
        return "neutral"
    if name.startswith("brand-"):
        return "brand"
    if name.startswith("space-"):
        return "spacing"
    if name.startswith("radius"):
        return "radii"
    if TYPE_SCALE.match(name) or name.startswith(("font", "leading", "weight")):
        return "type"
    if name.startswith("shadow-"):
        return "shadows"
    if name == "focus-ring":
        return "focus"
    if COLOUR_VALUE.match(token.value):
        return "roles"
    return "other"


class SpecimenForm(forms.Form):
    """Every kind of field, labelled as the site labels them; `error` is bound with a value
    that fails, so the page shows a field with its error."""

    title = forms.CharField(
        label=_("Title"), max_length=140, help_text=_("A short sentence that says what you propose.")
    )
    body = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("stations", _("Stations")), ("trains", _("Trains"))])
    follow = forms.BooleanField(
        label=_("Follow this idea"), required=False, help_text=_("You are told of its comments and its status.")
    )
    frequency = forms.ChoiceField(
        label=_("E-mail me"),
        widget=forms.RadioSelect,
        initial="instant",
        choices=[("instant", _("Immediately")), ("daily", _("Daily digest")), ("never", _("Never"))],
    )
    images = forms.ImageField(label=_("Images"), required=False, help_text=_("Up to 4 images, 5 MB each."))
    email = forms.EmailField(label=_("E-mail"))


def specimen_form(prefix: str) -> SpecimenForm:
    """A bound specimen whose only error is the e-mail's (the prefix keeps ids unique when the
    page shows the form four times)."""
    data = {
        f"{prefix}-title": "Des casiers à bagages sur les quais",
        f"{prefix}-category": "stations",
        f"{prefix}-frequency": "instant",
        f"{prefix}-email": "camille.exemple",
    }
    form = SpecimenForm(data, prefix=prefix)
    form.is_valid()
    return form
