"""Every refusal as JSON: `{"error": "…"}`, with `fields` for bad input. Never a 500 for
bad input: the services' refusals, Django's 404 and form errors all map here."""

from __future__ import annotations

from typing import Any

from django.forms import Form
from ninja import Schema


class ApiError(Exception):
    """Answer `status` with this message (and field errors)."""

    def __init__(self, status: int, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields


class ErrorOut(Schema):
    error: str
    fields: dict[str, list[str]] | None = None
    second_factor_url: str | None = None


def form_errors(form: Form, *, names: dict[str, str] | None = None) -> ApiError:
    """A form's errors as a 400, named as the API names the fields."""
    names = names or {}
    fields = {names.get(name, name): [str(message) for message in messages] for name, messages in form.errors.items()}
    first = next(iter(fields.values()))[0] if fields else ""
    return ApiError(400, first, fields=fields)


def body(error: ApiError) -> dict[str, Any]:
    answer: dict[str, Any] = {"error": error.message}
    if error.fields:
        answer["fields"] = error.fields
    return answer
