"""Communities (one brand each), the roles people hold in them, and their vocabularies."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Language

hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #0C7C59."))


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB colour."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_on(background: str) -> str:
    """Black or white, whichever contrasts more with the background."""
    return "#000000" if contrast_ratio(background, "#000000") >= contrast_ratio(background, "#ffffff") else "#ffffff"


class ModerationMode(models.TextChoices):
    PRE = "pre", _("Pre-moderation: nothing is public before a decision")
    POST = "post", _("Post-moderation: public at once, checked afterwards")


class Community(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    domain = models.CharField(
        _("domain"),
        max_length=253,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Host name that serves this community, without port, e.g. idees.example.com."),
    )
    is_default = models.BooleanField(
        _("default community"), default=False, help_text=_("Served for hosts that match no community.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    tagline = models.CharField(_("tagline"), max_length=160, blank=True)
    welcome_text = models.TextField(_("welcome text"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="communities/logos/", blank=True)
    favicon = models.ImageField(_("favicon"), upload_to="communities/favicons/", blank=True)
    primary_color = models.CharField(_("primary colour"), max_length=7, default="#1f4e79", validators=[hex_color])
    accent_color = models.CharField(_("accent colour"), max_length=7, default="#e07a1f", validators=[hex_color])
    default_language = models.CharField(
        _("default language"), max_length=5, choices=Language.choices, default=Language.FRENCH
    )
    moderation_mode = models.CharField(
        _("moderation mode"), max_length=4, choices=ModerationMode.choices, default=ModerationMode.POST
    )
    downvotes_allowed = models.BooleanField(_("down-votes allowed"), default=False)
    response_vote_threshold = models.PositiveIntegerField(
        _("votes before a response is awaited"), default=50, validators=[MinValueValidator(1)]
    )
    response_age_days = models.PositiveIntegerField(
        _("days before a response is awaited"), default=30, validators=[MinValueValidator(1)]
    )
    response_needs_approval = models.BooleanField(
        _("official responses need a second manager's approval"), default=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="community_single_default",
                violation_error_message=_("Another community is already the default one."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.domain = self.normalized_domain()
        super().save(*args, **kwargs)

    def absolute_url(self, path: str = "") -> str:
        """`path` on the community's own site (see `community.selectors.community_url`)."""
        return f"{settings.SITE_SCHEME}://{self.domain or settings.SITE_HOST}{path}"

    def clean(self) -> None:
        # Before uniqueness is checked, so that "IDEAS.example.com" meets "ideas.example.com".
        self.domain = self.normalized_domain()

    def normalized_domain(self) -> str | None:
        # NULL, not "", when there is none: NULLs do not collide on the unique index.
        return (self.domain or "").strip().lower().rstrip(".") or None

    @property
    def text_on_primary(self) -> str:
        return readable_text_on(self.primary_color)

    @property
    def text_on_accent(self) -> str:
        return readable_text_on(self.accent_color)


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    MODERATOR = "moderator", _("Moderator")
    BRAND_MANAGER = "brand_manager", _("Brand manager")
    ADMIN = "admin", _("Community admin")


# Roles that open the community's objects in /admin/.
STAFF_ROLES = (Role.MODERATOR, Role.BRAND_MANAGER, Role.ADMIN)


class Membership(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("community")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    # Set by a moderator's "approve and trust": the new-member hold no longer applies.
    trusted_at = models.DateTimeField(_("trusted since"), null=True, blank=True)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                name="community_membership_unique",
                violation_error_message=_("This person already has a role in this community."),
            )
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.community}"


class LocalizedName(models.Model):
    """A per-community vocabulary entry named in French and in English."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, verbose_name=_("community"))
    slug = models.SlugField(_("slug"), max_length=50)
    name_fr = models.CharField(_("name (French)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    color = models.CharField(_("colour"), max_length=7, default="#6b7280", validators=[hex_color])
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["community", "order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "fr").startswith("en") else self.name_fr

    @property
    def text_color(self) -> str:
        return readable_text_on(self.color)


class Category(LocalizedName):
    class Meta(LocalizedName.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        default_related_name = "categories"
        constraints = [models.UniqueConstraint(fields=["community", "slug"], name="community_category_slug_unique")]


class Status(LocalizedName):
    is_closed = models.BooleanField(_("closed"), default=False, help_text=_("Closed ideas take no votes."))
    on_roadmap = models.BooleanField(_("shown on the roadmap"), default=False)

    class Meta(LocalizedName.Meta):
        verbose_name = _("status")
        verbose_name_plural = _("statuses")
        default_related_name = "statuses"
        constraints = [models.UniqueConstraint(fields=["community", "slug"], name="community_status_slug_unique")]
