"""Writes that only the API makes: finding or creating the customer a staff member acts for."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from api.errors import ApiError
from api.schemas import MemberRef
from community.models import Community, Membership, Role


def _customers(community: Community):
    """The people staff may act for: this community's members without a staff role."""
    return User.objects.filter(
        memberships__community=community,
        memberships__role=Role.MEMBER,
        is_active=True,
        is_staff=False,
        is_superuser=False,
        deleted_at=None,
    )


@transaction.atomic
def customer_for(*, community: Community, ref: MemberRef) -> User:
    """The member a staff member acts for: by id (a member of this community), or by
    e-mail address. An address nobody uses yet becomes a new member of this community
    without a password (docs/api.md, "On a customer's behalf"): the address is recorded
    unverified, and the customer takes the account over with "forgotten password", which
    proves the address. Nobody is e-mailed by this."""
    if ref.id is not None:
        user = _customers(community).filter(pk=ref.id).first()
        if user is None:
            raise ApiError(404, _("No member of this community has this id."), fields={"id": [_("Unknown member.")]})
        return user
    email = (ref.email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ApiError(
            400, _("Enter a valid e-mail address."), fields={"email": [_("Not an e-mail address.")]}
        ) from None
    owner = (
        User.objects.filter(Q(email__iexact=email) | Q(emailaddress__email__iexact=email)).values_list("pk", flat=True)
    ).first()
    if owner is not None:
        # An account of the site already uses this address: staff act for it only if it is
        # one of this community's members (not its staff, nor anyone of another community,
        # whom nobody here may sign up or speak for).
        user = _customers(community).filter(pk=owner).first()
        if user is None:
            raise ApiError(
                409,
                _("This address belongs to an account that is not a member of this community."),
                fields={"email": [_("Not a member of this community.")]},
            )
        return user
    name = " ".join((ref.name or "").split())[:80]
    if not name:
        raise ApiError(
            400,
            _("Give the customer's name: nobody uses this e-mail address yet."),
            fields={"name": [_("Needed for a new member.")]},
        )
    username = get_adapter().generate_unique_username([name, email.split("@")[0], "member"])
    user = User(username=username, email=email, display_name=name, language=community.default_language)
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    Membership.objects.get_or_create(community=community, user=user)
    return user
