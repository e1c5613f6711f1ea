"""No delivery to the deployment's own network unless the operator allows it."""

from __future__ import annotations

import socket

import pytest

from integrations import transport
from integrations.models import DeliveryState
from integrations.services import endpoint_send_test
from tests.integrations.conftest import make_endpoint
from tests.integrations.receiver import running_receiver

REFUSED = [
    "http://127.0.0.1:{port}/",
    "http://10.0.0.7:{port}/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[fe80::1]/",
    "http://0.0.0.0:{port}/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://localhost:{port}/",  # a name that resolves to loopback
]


@pytest.mark.parametrize("template", REFUSED)
def test_it_refuses_private_addresses_when_the_operator_does_not_allow_them(community_a, settings, template):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with running_receiver() as receiver:
        endpoint = make_endpoint(community_a, template.format(port=receiver.port), ["idea.posted"])
        delivery = endpoint_send_test(endpoint=endpoint)

    assert receiver.requests == []
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_status_code is None
    assert "privée ou réservée" in delivery.last_error or "privé ou réservé" in delivery.last_error  # in French


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/", "file:///etc/passwd", "gopher://127.0.0.1:6379/"])
def test_only_http_and_https_are_called(url):
    answer = transport.post(url, b"{}", {})
    assert answer.status is None
    assert "http" in answer.error


def test_ipv4_mapped_and_public_addresses_are_judged_by_their_ipv4():
    assert transport.address_refused("::ffff:10.1.2.3")
    assert transport.address_refused("::ffff:169.254.169.254")
    assert not transport.address_refused("::ffff:93.184.216.34")
    assert not transport.address_refused("2606:4700:4700::1111")
    assert not transport.address_refused("93.184.216.34")


def test_ipv4_inside_6to4_or_teredo_and_site_local_ipv6_are_refused():
    assert transport.address_refused("2002:7f00:1::")  # 6to4 of 127.0.0.1
    assert transport.address_refused("2002:a01:203::1")  # 6to4 of 10.1.2.3
    assert transport.address_refused("2001:0:4136:e378:8000:63bf:80ff:fffe")  # Teredo: client 127.0.0.1
    assert transport.address_refused("fec0::1")
    assert not transport.address_refused("2002:5db8:d822::1")  # 6to4 of 93.184.216.34


def test_it_connects_to_the_address_it_checked_with_the_name_in_the_host_header(
    community_a, allow_private, monkeypatch
):
    """Resolved once: a second answer of the DNS (rebinding) is never asked for."""
    real = socket.getaddrinfo
    lookups = []

    def fake_dns(host, port, *args, **kwargs):
        lookups.append(host)
        if host == "hooks.brand-a.example":
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    with running_receiver() as receiver:
        endpoint = make_endpoint(community_a, f"http://hooks.brand-a.example:{receiver.port}/in", ["idea.posted"])
        delivery = endpoint_send_test(endpoint=endpoint)

    assert delivery.state == DeliveryState.DELIVERED
    [request] = receiver.requests
    assert request.headers["host"] == f"hooks.brand-a.example:{receiver.port}"
    assert lookups == ["hooks.brand-a.example"]


def test_a_redirect_is_not_followed(community_a, allow_private):
    with running_receiver(statuses=[302]) as receiver:
        endpoint = make_endpoint(community_a, receiver.url, ["idea.posted"])
        delivery = endpoint_send_test(endpoint=endpoint)
    assert (delivery.state, delivery.last_status_code) == (DeliveryState.FAILED, 302)
    assert len(receiver.requests) == 1
