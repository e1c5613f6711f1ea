# The user module first: community.models imports Language from here.
from accounts.models.user import BIO_MAX_LENGTH, Language, User  # isort: skip
from accounts.models.privacy import DataExport
from accounts.models.reputation import Badge, BadgeAward, PointEvent, PointKind, PointValue, Reputation
from accounts.models.submission import SubmittedForm

__all__ = [
    "BIO_MAX_LENGTH",
    "Badge",
    "BadgeAward",
    "DataExport",
    "Language",
    "PointEvent",
    "PointKind",
    "PointValue",
    "Reputation",
    "SubmittedForm",
    "User",
]
