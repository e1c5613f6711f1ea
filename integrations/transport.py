"""One HTTP POST to a receiver, never to the deployment's own network (SSRF).

The host is resolved once, every address it resolves to is checked, and the connection is
made to a checked address: the name is not looked up again between the check and the
connect, so a DNS answer that changes (rebinding) cannot send us elsewhere. The request
still carries the name in its Host header and, over TLS, in the SNI, and the certificate
is verified against the name. Redirects are not followed (a receiver could otherwise point
us at an internal address); a 3xx is an answer like any other non-2xx.

Refused: loopback, private (RFC 1918, unique local), link-local (cloud metadata at
169.254.169.254 included), multicast, reserved, unspecified and other non-global
addresses (shared 100.64/10), IPv4 and IPv6, an IPv4-mapped IPv6 address judged as its
IPv4 address, unless the operator sets WEBHOOKS_ALLOW_PRIVATE=true.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

USER_AGENT = "Cluetrain-Webhooks/1.0 (+https://www.standardwebhooks.com/)"
# What is kept of a receiver's answer, for the delivery log.
READ_AT_MOST = 2048


class Refused(Exception):
    """The URL may not be called (scheme, or an address in a private network)."""


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused, unreachable, timed out)
    elapsed_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def address_refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:  # fec0::/10, deprecated but still routed inside some networks
            return True
        # An IPv4 address carried inside (mapped, 6to4, Teredo's client) is judged as itself:
        # 2002:7f00:1:: is 127.0.0.1 wherever a 6to4 relay answers.
        embedded = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
        if any(inner is not None and _refused_ip(inner) for inner in embedded):
            return True
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    return _refused_ip(ip)


def _refused_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL we may call, by its form alone (the admin's check)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(_("Only http and https addresses can receive events."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise Refused(_("The port of this address is not valid.")) from error
    if not parts.hostname:
        raise Refused(_("This address has no host name."))
    if parts.username or parts.password:
        raise Refused(_("Put credentials in the receiver's path or query, not before the host name."))
    host = parts.hostname
    if not settings.WEBHOOKS_ALLOW_PRIVATE and _is_literal(host) and address_refused(host):
        raise Refused(_("This address is in a private or reserved network: events cannot be sent there."))
    return parts.scheme, host, port


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_destination(url: str) -> None:
    """The admin form's check: the URL's form, and where its name points today (a name that
    does not resolve yet is accepted; the delivery log will say so)."""
    _scheme, host, port = check_url(url)
    try:
        resolve(host, port)
    except Unresolved:
        return


class Unresolved(Refused):
    pass


def resolve(host: str, port: int) -> list[tuple]:
    """The addresses to connect to, all checked; Refused if any is private (a name that
    resolves to a public and a private address is not one we call)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Unresolved(_("The host name could not be resolved.")) from error
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        for *_rest, sockaddr in infos:
            if address_refused(sockaddr[0]):
                raise Refused(
                    _("The host name resolves to a private or reserved address (%(address)s).")
                    % {"address": sockaddr[0]}
                )
    return infos


def _pinned(connection_class: type[http.client.HTTPConnection]):
    class Pinned(connection_class):
        """Connects to the checked addresses only; Host and SNI keep the name."""

        def __init__(self, *args, addresses: list[tuple], **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._addresses = addresses
            # http.client sets this per instance (socket.create_connection, which would look
            # the name up again): replace it there.
            self._create_connection = self._connect_checked

        def _connect_checked(self, address, timeout, source_address=None) -> socket.socket:
            last_error: OSError | None = None
            for family, socktype, proto, _canonname, sockaddr in self._addresses:
                sock = socket.socket(family, socktype, proto)
                try:
                    sock.settimeout(timeout)
                    sock.connect(sockaddr)
                    return sock
                except OSError as error:
                    sock.close()
                    last_error = error
            raise last_error or OSError("no address to connect to")

    return Pinned


PinnedHTTP = _pinned(http.client.HTTPConnection)
PinnedHTTPS = _pinned(http.client.HTTPSConnection)


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url`; never raises for the receiver's or the network's faults."""
    started = time.monotonic()

    def answer(status: int | None, error: str = "") -> Answer:
        return Answer(status, int((time.monotonic() - started) * 1000), error[:500])

    try:
        scheme, host, port = check_url(url)
        addresses = resolve(host, port)
    except Refused as refusal:
        return answer(None, str(refusal))
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = settings.WEBHOOKS_TIMEOUT
    if scheme == "https":
        connection = PinnedHTTPS(host, port, timeout=timeout, context=ssl.create_default_context(), addresses=addresses)
    else:
        connection = PinnedHTTP(host, port, timeout=timeout, addresses=addresses)
    try:
        connection.request(
            "POST",
            target,
            body=body,
            headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        response = connection.getresponse()
        excerpt = response.read(READ_AT_MOST).decode("utf-8", "replace")
        if 200 <= response.status < 300:
            return answer(response.status)
        return answer(response.status, f"HTTP {response.status} {response.reason}: {excerpt}".strip())
    except TimeoutError:
        return answer(None, _("No answer within %(seconds)s s.") % {"seconds": timeout})
    except ssl.SSLError as error:
        return answer(None, f"TLS: {error}")
    except (OSError, http.client.HTTPException) as error:
        return answer(None, f"{type(error).__name__}: {error}")
    finally:
        connection.close()
