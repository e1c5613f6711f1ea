"""Community models, by concept: the community and its people; moderation."""

from community.models.community import (
    STAFF_ROLES,
    Category,
    Community,
    LocalizedName,
    Membership,
    ModerationMode,
    Role,
    Status,
    contrast_ratio,
    hex_color,
    readable_text_on,
    relative_luminance,
)
from community.models.moderation import (
    Flag,
    ModerationDecision,
    ModerationItem,
    ModerationRule,
    ReasonTemplate,
    Sanction,
)

__all__ = [
    "STAFF_ROLES",
    "Category",
    "Community",
    "Flag",
    "LocalizedName",
    "Membership",
    "ModerationDecision",
    "ModerationItem",
    "ModerationMode",
    "ModerationRule",
    "ReasonTemplate",
    "Role",
    "Sanction",
    "Status",
    "contrast_ratio",
    "hex_color",
    "readable_text_on",
    "relative_luminance",
]
