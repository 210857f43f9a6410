"""A small OpenID Connect provider on loopback for the sign-on tests: the authorization code
flow with PKCE, RS256 id tokens from a key it publishes at its JWKS address, and a userinfo
endpoint. It checks what a real provider checks (client secret, redirect address, the code
used once, the PKCE verifier), so Frontdesk's side is tested against the protocol itself."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "frontdesk-desk"
CLIENT_SECRET = "provider-secret-for-tests"


@dataclass
class Provider:
    base_url: str = ""
    key: Any = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    kid: str = "test-key-1"
    # Who signs in next: the claims the id token and the userinfo carry ("sub" included).
    person: dict[str, Any] = field(default_factory=dict)
    # Changes to the id token only, to test what the desk refuses (another "aud", ...).
    token_overrides: dict[str, Any] = field(default_factory=dict)
    userinfo_overrides: dict[str, Any] = field(default_factory=dict)
    signing_key: Any = None  # another key than the published one: a forged token
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: int = 0

    @property
    def issuer(self) -> str:
        return self.base_url

    def settings(self) -> dict[str, Any]:
        """What the desk's settings would hold for this provider."""
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "FRONTDESK_OIDC_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.base_url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.base_url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.base_url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.base_url}/jwks",
            "FRONTDESK_OIDC_NAME": "Studio Login",
        }

    # -- the endpoints ------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {}, b"unknown client or response type"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
            "person": dict(self.person),
        }
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": target}, b""

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.token_requests += 1
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _json(401, {"error": "invalid_client"})
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return _json(400, {"error": "invalid_grant"})
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
            return _json(400, {"error": "invalid_grant", "error_description": "PKCE"})
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["person"],
            **self.token_overrides,
        }
        id_token = jwt.encode(
            claims, self.signing_key or self.key, algorithm="RS256", headers={"kid": self.kid}
        )
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = {**grant["person"], **self.userinfo_overrides}
        return _json(
            200, {"access_token": access_token, "id_token": id_token, "token_type": "Bearer"}
        )

    def userinfo(self, authorization: str) -> tuple[int, dict[str, str], bytes]:
        claims = self.tokens.get(authorization.removeprefix("Bearer "))
        return _json(200, claims) if claims is not None else _json(401, {"error": "invalid_token"})

    def jwks(self) -> tuple[int, dict[str, str], bytes]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return _json(200, {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]})


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            if url.path == "/authorize":
                self._answer(*provider.authorize(query))
            elif url.path == "/userinfo":
                self._answer(*provider.userinfo(self.headers.get("Authorization", "")))
            elif url.path == "/jwks":
                self._answer(*provider.jwks())
            else:
                self._answer(404, {}, b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path == "/token":
                self._answer(*provider.token(form))
            else:
                self._answer(404, {}, b"")

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def provider_running() -> Iterator[Provider]:
    provider = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
