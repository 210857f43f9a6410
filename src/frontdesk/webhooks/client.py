"""The one way a webhook leaves the desk: a POST to an http(s) URL an admin typed, made safe to
point anywhere (docs/webhooks.md, "Safe by design").

* Only ``http`` and ``https``; no user name or password in the URL.
* The host name is resolved when the request is made and every address it resolves to is
  checked: loopback, private, link-local (169.254.169.254, the cloud metadata service),
  multicast, reserved, unspecified and shared addresses are refused, also when wrapped in an
  IPv6 address (IPv4-mapped, 6to4, Teredo, NAT64). FRONTDESK_WEBHOOKS_ALLOW_PRIVATE turns the
  check off, for a closed network.
* The connection goes to the checked address itself, so a DNS answer that changes between
  the check and the connection (a rebind) cannot send it elsewhere. HTTPS still sends the host
  name (SNI) and checks the certificate against it.
* Redirects are not followed (a 3xx is a failed delivery that says where it pointed), waits
  are short, and at most RESPONSE_MAX bytes of the answer are read.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop

from frontdesk.core.errors import Said

RESPONSE_MAX = 64 * 1024
EXCERPT_MAX = 500
SCHEMES = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The destination is not allowed (scheme, address): retrying will not help. ``said`` is
    the reason marked for the catalogue (the form says it in its reader's language)."""

    def __init__(self, said: Said) -> None:
        super().__init__(said.english())
        self.said = said


class Unreachable(Exception):
    """The network failed (DNS, connection, timeout, TLS): worth another try."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as typed (no brackets), for the Host header, SNI and the certificate
    port: int
    path: str  # path and query


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str  # the start of the body, as text
    location: str  # where a redirect pointed ("" otherwise)
    retry_after: int | None = None  # seconds, when the receiver said (Retry-After)


def parse_url(url: str) -> Target:
    """The parts of ``url`` a request needs; Refused when it is not a plain http(s) URL."""
    if not isinstance(url, str) or not url.isascii() or any(c.isspace() for c in url):
        raise Refused(
            Said(gettext_noop("The URL must be plain http:// or https:// text, without spaces."))
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(
            Said(gettext_noop("The URL is not valid: %(why)s."), {"why": str(exc)})
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise Refused(Said(gettext_noop("Only http:// and https:// URLs are allowed.")))
    if parts.username is not None or parts.password is not None:
        raise Refused(Said(gettext_noop("A webhook URL cannot hold a user name or password.")))
    if port == 0:
        raise Refused(Said(gettext_noop("The URL's port must be between 1 and 65535.")))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused(Said(gettext_noop("The URL has no host name.")))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port or SCHEMES[scheme], path=path)


def allow_private() -> bool:
    return bool(getattr(settings, "FRONTDESK_WEBHOOKS_ALLOW_PRIVATE", False))


def refusal(address: IPAddress) -> str:
    """Why ``address`` may not be called ("" if it may)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal(embedded)
            if inner:
                return inner
    checks = (
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local (metadata service)"),
        (address.is_multicast, "multicast"),
        (address.is_unspecified, "unspecified"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (isinstance(address, ipaddress.IPv4Address) and address in _SHARED, "shared"),
        (not address.is_global, "not public"),
    )
    for refused, what in checks:
        if refused:
            return f"{address} is a {what} address"
    return ""


def check_literal(host: str) -> None:
    """Refuse a host that is itself a forbidden address or ``localhost`` (what can be known
    before any lookup: the form says so at once; the lookup at send time checks the rest)."""
    if allow_private():
        return
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        raise Refused(
            Said(
                gettext_noop(
                    "localhost is a loopback address; webhooks go to public addresses only."
                )
            )
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    why = refusal(address)
    if why:
        raise Refused(
            Said(gettext_noop("%(why)s; webhooks go to public addresses only."), {"why": why})
        )


def resolve(target: Target) -> list[IPAddress]:
    """Every address the host resolves to now, each checked: Refused if any is forbidden."""
    try:
        found = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unreachable(f"The host name {target.host} could not be resolved: {exc}.") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Unreachable(f"The host name {target.host} has no address.")
    if not allow_private():
        for address in addresses:
            why = refusal(address)
            if why:
                raise Refused(
                    Said(
                        gettext_noop(
                            "%(host)s resolves to %(why)s; webhooks go to public addresses only."
                        ),
                        {"host": target.host, "why": why},
                    )
                )
    return addresses


class _PinnedHTTP(http.client.HTTPConnection):
    """Speaks to ``host`` (Host header) but connects to the address already checked."""

    def __init__(self, host: str, port: int, *, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address
        self.cut = threading.Event()  # set when the exchange ran out of time (_cut)

    def _socket(self) -> socket.socket:
        sock = socket.create_connection((str(self.address), self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def connect(self) -> None:
        self.sock = self._socket()


class _PinnedHTTPS(_PinnedHTTP):
    default_port = 443

    def __init__(self, host: str, port: int, *, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, address=address, timeout=timeout)
        self.context = ssl.create_default_context()  # checks the certificate and the name

    def connect(self) -> None:
        self.sock = self.context.wrap_socket(self._socket(), server_hostname=self.host)


def _cut(connection: _PinnedHTTP) -> None:
    """End a connection another thread is reading from: its read returns at once (with what
    looks like the end of the answer, so ``cut`` says it was not)."""
    connection.cut.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body`` to ``url`` by the rules above. Refused or Unreachable, else the answer
    (any status: the caller decides what a 3xx, 4xx or 5xx means)."""
    target = parse_url(url)
    check_literal(target.host)
    addresses = resolve(target)
    connection_class = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    last_error: Exception | None = None
    for address in addresses:
        connection = connection_class(target.host, target.port, address=address, timeout=timeout)
        try:
            try:
                connection.connect()
            except (OSError, ssl.SSLError) as exc:
                last_error = exc
                continue
            return _exchange(connection, target, body, headers, timeout)
        finally:
            connection.close()
    raise Unreachable(f"Could not connect to {target.host}:{target.port}: {last_error}.")


def _exchange(
    connection: _PinnedHTTP, target: Target, body: bytes, headers: dict[str, str], timeout: float
) -> Answer:
    """Send the request and read the answer, in at most three times ``timeout`` in all: each read
    waits at most ``timeout``, and a receiver that drips its answer a byte at a time has its
    connection cut when the whole time is up (a watchdog), so it cannot hold a worker."""
    deadline = time.monotonic() + 3 * timeout
    watchdog = threading.Timer(3 * timeout, _cut, args=(connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        chunks: list[bytes] = []
        size = 0
        while size < RESPONSE_MAX and time.monotonic() < deadline:
            chunk = response.read1(RESPONSE_MAX - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (OSError, ssl.SSLError, http.client.HTTPException, ValueError) as exc:
        why = str(exc) or type(exc).__name__
        if connection.cut.is_set():
            why = f"no complete answer within {3 * timeout:g} seconds"
        raise Unreachable(f"The request to {target.host} failed: {why}.") from None
    finally:
        watchdog.cancel()
    if connection.cut.is_set():
        why = f"no complete answer within {3 * timeout:g} seconds"
        raise Unreachable(f"The request to {target.host} failed: {why}.")
    text = b"".join(chunks)[:EXCERPT_MAX].decode("utf-8", errors="replace")
    location = response.getheader("Location", "") or ""
    wait = (response.getheader("Retry-After", "") or "").strip()
    return Answer(
        status=response.status,
        excerpt=text,
        location=location[:300],
        retry_after=int(wait) if wait.isdigit() and len(wait) < 9 else None,
    )
