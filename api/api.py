"""The REST API (django-ninja): one `NinjaAPI`, its routers, and how refusals are answered.

Why django-ninja and not DRF + drf-spectacular: docs/api.md, "Why this library".
"""

from __future__ import annotations

import logging

from csp.decorators import csp_update
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api.auth import KeyAuth, SessionAuth, Throttled
from api.errors import ApiError, body
from community.moderation.services import AlreadyDecided, NotAllowed, StaleItem
from ideas.exceptions import Refused

logger = logging.getLogger(__name__)

DESCRIPTION = """Cluetrain's REST API: ideas, comments, votes, official responses and
moderation of one community. Authenticate with `Authorization: Bearer <key>` (an API key
made by a community admin in /admin/) or, from the site's own scripts, the member's
session. See docs/api.md."""


def _docs_page(view):
    # Swagger UI's stylesheet draws one icon from a data: URL; the page's scripts are
    # files served by us (the package's static files), so nothing inline is allowed.
    return csp_update({"img-src": ["'self'", "data:"]})(view)


api = NinjaAPI(
    title="Cluetrain API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/schema/",
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    docs_url="/docs/",
    docs_decorator=_docs_page,
    auth=[KeyAuth(), SessionAuth()],
)


def _answer(request: HttpRequest, status: int, payload: dict) -> HttpResponse:
    return api.create_response(request, payload, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    return _answer(request, error.status, body(error))


@api.exception_handler(DataError)
def _unstorable(request: HttpRequest, error: DataError) -> HttpResponse:
    # The database refused a value the schema let through (a NUL character in a text, a date
    # past year 9999 once in UTC): bad input, said as such, never a 500. Its transaction is
    # rolled back by the atomic block it was raised in.
    logger.info("API input refused by the database: %s", error)
    return _answer(
        request,
        400,
        {"error": _("A value cannot be stored: it holds a NUL character, or a date out of range.")},
    )


@api.exception_handler(Refused)
def _refused(request: HttpRequest, refusal: Refused) -> HttpResponse:
    return _answer(request, refusal.status, {"error": refusal.message})


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _answer(request, 404, {"error": _("Not found.")})


@api.exception_handler(NotAllowed)
def _not_allowed(request: HttpRequest, error: NotAllowed) -> HttpResponse:
    return _answer(request, 403, {"error": _("Only moderators can do this.")})


@api.exception_handler(StaleItem)
def _stale(request: HttpRequest, error: StaleItem) -> HttpResponse:
    return _answer(request, 409, {"error": _("The content was edited since: decide its current version.")})


@api.exception_handler(AlreadyDecided)
def _decided(request: HttpRequest, error: AlreadyDecided) -> HttpResponse:
    return _answer(request, 409, {"error": _("Another moderator decided this item meanwhile.")})


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return _answer(request, 401, {"error": _("Authenticate with an API key or a member's session.")})


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, error: Throttled) -> HttpResponse:
    response = _answer(request, 429, {"error": _("Too many requests: try again in a minute.")})
    response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    message = _("CSRF check failed: send the X-CSRFToken header.") if error.status_code == 403 else str(error)
    return _answer(request, error.status_code, {"error": message})


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """Pydantic's errors, as `fields` named by their place (`title`, `author.email`)."""
    fields: dict[str, list[str]] = {}
    for problem in error.errors:
        place = [str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        name = ".".join(place) or "request"
        fields.setdefault(name, []).append(str(problem.get("msg", _("Invalid value."))))
    first_name, first = next(iter(fields.items()), ("request", [_("Invalid request.")]))
    return _answer(request, 400, {"error": f"{first_name}: {first[0]}", "fields": fields})


api.add_router("/", "api.views.meta.router")
api.add_router("/ideas", "api.views.ideas.router")
api.add_router("/", "api.views.comments.router")
api.add_router("/", "api.views.votes.router")
api.add_router("/", "api.views.brand.router")
api.add_router("/moderation", "api.views.moderation.router")
