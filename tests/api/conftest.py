"""API fixtures: keys made through the service, clients that send them."""

from __future__ import annotations

import pytest
from django.test import Client

from api.keys import api_key_create
from api.models import Scope

ALL_SCOPES = list(Scope.values)
HOST_A = "ideas.brand-a.test"
HOST_B = "ideas.brand-b.test"


class ApiClient:
    """Django's test client with a bearer key, JSON bodies, and the community's host."""

    def __init__(self, secret: str | None = None, host: str = HOST_A, client: Client | None = None) -> None:
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        self.host = host

    def _call(self, method: str, path: str, data=None, **extra):
        kwargs = {"HTTP_HOST": self.host, "headers": {**self.headers, **extra.pop("headers", {})}, **extra}
        if method in ("get", "delete") and data is not None:
            kwargs["data"] = data
            if method == "delete":
                from urllib.parse import urlencode

                path = f"{path}?{urlencode(data)}"
                kwargs.pop("data")
        elif data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path, data=None, **extra):
        return self._call("get", path, data, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data if data is not None else {}, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data if data is not None else {}, **extra)

    def delete(self, path, data=None, **extra):
        return self._call("delete", path, data, **extra)


@pytest.fixture
def make_key():
    def make(user, community, scopes=None, **fields):
        return api_key_create(
            community=community, name=f"key of {user.username}", scopes=scopes or ALL_SCOPES, created_by=user, **fields
        )

    return make


@pytest.fixture
def api_as(make_key):
    """`api_as(user, community, scopes)`: an ApiClient with a new key of theirs."""

    def client(user, community, scopes=None, host: str = HOST_A, **fields) -> ApiClient:
        return ApiClient(make_key(user, community, scopes, **fields).secret, host=host)

    return client
