"""The address of the client that made a request: one answer for rate limits, moderation and logs.

Behind a proxy (`BEHIND_PROXY=true`), REMOTE_ADDR is the proxy's own address, the same for
every visitor. Each proxy appends the address it received the request from to
`X-Forwarded-For` (or the header named by TRUSTED_CLIENT_IP_HEADER), so with
TRUSTED_PROXY_COUNT proxies in front, the client is the entry that many places from the
right. Entries further left were written by the client itself and prove nothing; they are
never read. Not behind a proxy, the header is ignored: anybody can send it.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    """The address in its canonical form, or None when it is not one."""
    address = address.strip()
    if address.startswith("[") and "]" in address:  # [2001:db8::1]:443
        address = address[1 : address.index("]")]
    elif address.count(":") == 1:  # 203.0.113.7:443
        address = address.split(":")[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _meta_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


def client_ip(request: HttpRequest) -> str:
    """The client's address: the one the nearest of our trusted proxies saw, else REMOTE_ADDR
    (also when the header is missing, has fewer entries than proxies, or is malformed)."""
    remote = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        forwarded = request.META.get(_meta_key(settings.TRUSTED_CLIENT_IP_HEADER), "")
        entries = [entry for entry in forwarded.split(",") if entry.strip()]
        if len(entries) >= settings.TRUSTED_PROXY_COUNT:
            address = _valid(entries[-settings.TRUSTED_PROXY_COUNT])
            if address is not None:
                return address
    return _valid(remote) or remote


@dataclass(frozen=True)
class ClientInfo:
    """Where a submission came from (for the spam checker)."""

    ip: str | None = None
    user_agent: str = ""


def client_info(request: HttpRequest) -> ClientInfo:
    return ClientInfo(ip=client_ip(request) or None, user_agent=request.headers.get("User-Agent", "")[:255])


class ClientIPFilter(logging.Filter):
    """Puts `client_ip` on every log record: the client's address for records about a
    request (django.request, django.security), "-" for the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if not hasattr(record, "client_ip"):
            record.client_ip = client_ip(request) if isinstance(request, HttpRequest) else "-"
        return True
