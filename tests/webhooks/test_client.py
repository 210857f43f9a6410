"""The guarded HTTP client: only http(s), every resolved address checked at send time (with
the default settings), the connection pinned to the address checked, no redirects followed,
short waits and a capped read."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from frontdesk.webhooks import client
from tests.webhooks.conftest import Receiver

REFUSED_URLS = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://10.0.0.5/hook",
    "http://172.16.4.4/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[2002:7f00:1::]/hook",  # 6to4 around 127.0.0.1
    "http://[64:ff9b::a00:1]/hook",  # NAT64 around 10.0.0.1
    "http://localhost/hook",
    "http://LOCALHOST.:8000/hook",
    "http://printer.localhost/hook",
    # Numbers the resolver reads as 127.0.0.1: passed by the literal check, refused after it.
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://0177.0.0.1/hook",
    "http://127.1/hook",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_forbidden_addresses_are_refused_before_any_connection(url: str) -> None:
    with pytest.raises(client.Refused, match="public addresses only"):
        client.post(url, body=b"{}", headers={}, timeout=1)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "http://user:pass@example.com/hook",
        "http:///hook",
        "http://example.com:99999/",
        "http://example.com:0/",
        "http://exa mple.com/",
        "http://exämple.com/",
        "",
    ],
)
def test_only_plain_http_and_https_urls(url: str) -> None:
    with pytest.raises(client.Refused):
        client.parse_url(url)


def test_a_name_resolving_to_loopback_is_refused_at_send_time(receiver: Receiver) -> None:
    """``localhost`` reaches the real resolver (the literal check is skipped here), which
    answers 127.0.0.1 or ::1: refused, and the server listening there hears nothing."""
    target = client.Target("http", "localhost", receiver.port, "/hook")
    with pytest.raises(client.Refused, match="loopback"):
        _resolve_strictly(target)
    assert receiver.requests == []


def _resolve_strictly(target: client.Target) -> list[Any]:
    saved = client.allow_private
    client.allow_private = lambda: False  # type: ignore[assignment]
    try:
        return client.resolve(target)
    finally:
        client.allow_private = saved  # type: ignore[assignment]


def _dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """The resolver answers ``answers`` for these names (as a DNS server the attacker runs
    would); every name asked for is recorded."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        if host not in answers:
            return real(host, port, *args, **kwargs)
        found = []
        for address in answers[host]:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
            found.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
        return found

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    _dns(monkeypatch, {"hooks.example.com": ["93.184.215.14", "10.1.2.3"]})
    with pytest.raises(client.Refused, match=r"10\.1\.2\.3 is a private address"):
        client.post("https://hooks.example.com/x", body=b"{}", headers={}, timeout=1)


def test_metadata_behind_a_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _dns(monkeypatch, {"metadata.example.com": ["::ffff:169.254.169.254"]})
    with pytest.raises(client.Refused, match="link-local"):
        client.post("http://metadata.example.com/", body=b"{}", headers={}, timeout=1)


def test_the_connection_goes_to_the_address_checked(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    """The name is resolved once, and the request is sent to that address with the name in
    its Host header: a second, different DNS answer (a rebind) is never asked for."""
    asked = _dns(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})
    answer = client.post(
        f"http://hooks.example.com:{receiver.port}/x",
        body=b"{}",
        headers={"Content-Type": "application/json"},
        timeout=2,
    )
    assert answer.status == 200
    assert asked.count("hooks.example.com") == 1
    assert set(asked) == {"hooks.example.com", "127.0.0.1"}  # the address itself, to connect
    assert receiver.requests[0].headers["Host"] == f"hooks.example.com:{receiver.port}"


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.answer(302, Location="http://169.254.169.254/latest/meta-data/")
    answer = client.post(receiver.url, body=b"{}", headers={}, timeout=2)
    assert answer.status == 302
    assert answer.location == "http://169.254.169.254/latest/meta-data/"
    assert len(receiver.requests) == 1


def test_a_large_answer_is_read_only_in_part(receiver: Receiver) -> None:
    receiver.answer(200, b"x" * (1024 * 1024))
    answer = client.post(receiver.url, body=b"{}", headers={}, timeout=2)
    assert answer.status == 200
    assert answer.excerpt == "x" * client.EXCERPT_MAX


def test_a_slow_receiver_times_out(receiver: Receiver) -> None:
    receiver.delay = 3
    with pytest.raises(client.Unreachable, match="failed"):
        client.post(receiver.url, body=b"{}", headers={}, timeout=0.5)


def test_a_closed_port_is_unreachable(settings: Settings) -> None:
    settings.FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = True
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free, and nobody listens once closed
    with pytest.raises(client.Unreachable, match="Could not connect"):
        client.post(f"http://127.0.0.1:{port}/", body=b"{}", headers={}, timeout=1)


def test_public_addresses_pass() -> None:
    for address in ("93.184.215.14", "2606:4700::1111", "8.8.8.8"):
        assert client.refusal(ipaddress.ip_address(address)) == ""


@pytest.fixture
def tls_listener() -> Iterator[tuple[int, list[bytes], list[ssl.SSLContext | None]]]:
    """A TCP server on 127.0.0.1 that records the first bytes each client sends (a TLS
    ClientHello names the server, SNI, in clear) and, when given a context, completes the
    handshake with it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    heard: list[bytes] = []
    contexts: list[ssl.SSLContext | None] = [None]

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                context = contexts[0]
                if context is None:
                    heard.append(conn.recv(4096))
                    continue
                try:
                    with context.wrap_socket(conn, server_side=True) as tls:
                        heard.append(tls.recv(4096))
                except (OSError, ssl.SSLError) as exc:
                    heard.append(str(exc).encode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], heard, contexts
    finally:
        server.shutdown(socket.SHUT_RDWR)  # wakes the accept
        server.close()
        thread.join(timeout=5)


def test_https_names_the_host_to_the_pinned_address(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, tls_listener: Any
) -> None:
    """Connected to the address checked, the TLS handshake still names the host (SNI), so the
    certificate is checked against the name, not the address."""
    settings.FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = True
    port, heard, _contexts = tls_listener
    _dns(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})
    with pytest.raises(client.Unreachable):
        client.post(f"https://hooks.example.com:{port}/x", body=b"{}", headers={}, timeout=2)
    assert b"hooks.example.com" in heard[0]


def test_https_checks_the_certificate(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, tls_listener: Any, tmp_path: Path
) -> None:
    """A certificate nobody vouches for (self-signed, for the right name) is refused: nothing
    is sent."""
    settings.FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = True
    port, heard, contexts = tls_listener
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=hooks.example.com"),
            *("-addext", "subjectAltName=DNS:hooks.example.com"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    contexts[0] = context
    _dns(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})
    with pytest.raises(client.Unreachable, match="CERTIFICATE_VERIFY_FAILED"):
        client.post(f"https://hooks.example.com:{port}/x", body=b"{}", headers={}, timeout=2)
    assert all(b"POST" not in got for got in heard)


def test_a_receiver_dripping_its_answer_is_cut_off(settings: Settings) -> None:
    """Each header line comes well within the read timeout, but the answer never ends: the
    whole exchange is cut when its time is up."""
    settings.FRONTDESK_WEBHOOKS_ALLOW_PRIVATE = True
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def drip() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.is_set():
                try:
                    conn.sendall(b"X-Slow: yes\r\n")
                except OSError:
                    return
                stop.wait(0.1)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/"
        with pytest.raises(client.Unreachable, match=r"no complete answer within 0\.9 seconds"):
            client.post(url, body=b"{}", headers={}, timeout=0.3)
    finally:
        stop.set()
        server.close()
        thread.join(timeout=5)
