"""Single sign-on with OpenID Connect, against a small identity provider started in the test:
discovery, authorize, token (an RS256 id_token signed by a key made here), userinfo, JWKS.
No mock of Haven or allauth code and no outside network: every call is real HTTP to
127.0.0.1."""

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse
from django.utils import translation

from haven.audit.models import AuditEvent
from haven.orgs.models import User
from haven.orgs.tests.factories import totp_code

CLIENT_ID = "haven-test"
CLIENT_SECRET = "s3cret-for-the-test"


class IdentityProvider:
    """An OpenID Connect provider in a thread: it signs in whoever ``email`` says."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.email = "coordinator@a.example"
        self.codes: dict[str, dict[str, Any]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "IdentityProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": "test-key", "use": "sig", "alg": "RS256"}]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(
                        {
                            "issuer": idp.issuer,
                            "authorization_endpoint": f"{idp.issuer}/authorize",
                            "token_endpoint": f"{idp.issuer}/token",
                            "userinfo_endpoint": f"{idp.issuer}/userinfo",
                            "jwks_uri": f"{idp.issuer}/jwks",
                            "token_endpoint_auth_methods_supported": ["client_secret_post"],
                        }
                    )
                elif url.path == "/jwks":
                    self._json(idp.jwks())
                elif url.path == "/authorize":
                    # The person signs in at the provider; it sends them back with a code.
                    assert query["client_id"] == CLIENT_ID
                    code = secrets.token_urlsafe(16)
                    idp.codes[code] = {**query, "email": idp.email}
                    back = urlencode({"code": code, "state": query["state"]})
                    self.send_response(302)
                    self.send_header("Location", f"{query['redirect_uri']}?{back}")
                    self.end_headers()
                elif url.path == "/userinfo":
                    token = self.headers["Authorization"].removeprefix("Bearer ")
                    grant = idp.codes[token]
                    self._json(
                        {
                            "sub": f"sub-{grant['email']}",
                            "email": grant["email"],
                            "email_verified": True,
                        }
                    )
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                grant = idp.codes.get(form.get("code", ""))
                if (
                    grant is None
                    or form.get("client_secret") != CLIENT_SECRET
                    or form.get("redirect_uri") != grant["redirect_uri"]
                ):
                    self._json({"error": "invalid_grant"}, 400)
                    return
                if "code_challenge" in grant:  # PKCE, S256
                    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
                    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                    if expected != grant["code_challenge"]:
                        self._json({"error": "invalid_grant"}, 400)
                        return
                now = int(time.time())
                claims = {
                    "iss": idp.issuer,
                    "aud": CLIENT_ID,
                    "sub": f"sub-{grant['email']}",
                    "email": grant["email"],
                    "email_verified": True,
                    "iat": now,
                    "exp": now + 300,
                }
                if "nonce" in grant:
                    claims["nonce"] = grant["nonce"]
                id_token = jwt.encode(
                    claims, idp.key, algorithm="RS256", headers={"kid": "test-key"}
                )
                access_token = form["code"]
                self._json(
                    {
                        "access_token": access_token,
                        "token_type": "Bearer",
                        "id_token": id_token,
                        "expires_in": 300,
                    }
                )

        return Handler


@pytest.fixture
def idp(settings: Any) -> Iterator[IdentityProvider]:
    with IdentityProvider() as provider:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "ministry",
                        "name": "Ministry ID",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {
                            "server_url": provider.issuer,
                            "token_auth_method": "client_secret_post",
                        },
                    }
                ],
            }
        }
        yield provider


def url(name: str, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(name)


def sign_in_at_provider(client: Any, lang: str = "en") -> Any:
    """Start at Haven's login page, go to the provider, come back with its code."""
    page = client.get(url("login", lang)).content.decode()
    start = reverse("openid_connect_login", args=["ministry"])
    assert f'href="{start}"' in page
    to_provider = client.post(start)
    assert to_provider.status_code == 302
    at_provider = requests.get(to_provider["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == reverse("openid_connect_callback", args=["ministry"])
    # The callback address has no language prefix: the browser's language says which.
    return client.get(f"{back.path}?{back.query}", HTTP_ACCEPT_LANGUAGE=lang)


def test_an_invited_user_signs_in_with_the_provider_and_a_second_factor(client, tree, idp):
    coordinator = tree.users["coordinator"]
    response = sign_in_at_provider(client)
    # The identity provider proved who they are; Haven still asks for the second factor.
    assert response.status_code == 302
    assert response["Location"] == url("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    done = client.post(response["Location"], {"code": totp_code()})
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(coordinator.pk)
    event = AuditEvent.objects.get(action="auth.login", actor=coordinator)
    assert event.details["methods"] == ["sso:ministry", "mfa:totp"]
    assert AuditEvent.objects.filter(action="auth.sso_connect", actor=coordinator).exists()
    # The second time the account is already linked.
    client.post(url("logout"))
    again = sign_in_at_provider(client)
    assert again["Location"] == url("mfa_authenticate")


def test_the_address_is_matched_without_regard_to_case(client, tree, idp):
    idp.email = "Coordinator@A.EXAMPLE"
    assert sign_in_at_provider(client)["Location"] == url("mfa_authenticate")


def test_an_unknown_address_is_refused_and_no_account_is_made(client, tree, idp):
    idp.email = "stranger@ministry.example"
    users = User.objects.count()
    response = sign_in_at_provider(client, lang="ro")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Nu există niciun cont Haven pentru această adresă" in page
    assert User.objects.count() == users
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.sso_refused").count() == 1


def test_an_inactive_account_is_refused(client, tree, idp):
    User.objects.filter(pk=tree.users["coordinator"].pk).update(is_active=False)
    assert sign_in_at_provider(client).status_code == 403


def test_no_provider_configured_means_no_button_and_no_route(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert "Single sign-on" not in client.get(url("login")).content.decode()
    start = reverse("openid_connect_login", args=["ministry"])
    assert client.post(start).status_code == 404


def test_providers_come_from_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    secret_file = tmp_path / "board-secret"
    secret_file.write_text("from-a-file\n")
    env = {
        **os.environ,
        "HAVEN_OIDC_PROVIDERS": "ministry, board",
        "HAVEN_OIDC_MINISTRY_NAME": "Ministry ID",
        "HAVEN_OIDC_MINISTRY_SERVER_URL": "https://id.ministry.example",
        "HAVEN_OIDC_MINISTRY_CLIENT_ID": "haven",
        "HAVEN_OIDC_MINISTRY_SECRET": "one",
        "HAVEN_OIDC_BOARD_SERVER_URL": "https://login.board.example/realms/schools",
        "HAVEN_OIDC_BOARD_CLIENT_ID": "haven-board",
        "HAVEN_OIDC_BOARD_SECRET_FILE": str(secret_file),
    }
    code = (
        "import json, haven.settings as s;"
        "print(json.dumps(s.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS']))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    apps = {app["provider_id"]: app for app in json.loads(out)}
    assert apps["ministry"]["name"] == "Ministry ID"
    assert apps["ministry"]["settings"]["server_url"] == "https://id.ministry.example"
    assert apps["board"]["client_id"] == "haven-board"
    assert apps["board"]["secret"] == "from-a-file"
