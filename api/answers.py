"""The statuses every operation may answer besides its success, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from ninja.responses import Status

from api.errors import ErrorOut

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


def answers(status: int, schema: Any) -> dict[int, Any]:
    return {status: schema, **ERRORS}


def created(payload: Any) -> Status:
    """A 201 answer with its body."""
    return Status(201, payload)
