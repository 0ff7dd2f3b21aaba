"""A local credentials endpoint that refreshes: the AWS SDKs' container-credentials protocol
(`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`), which botocore
and the Java, Go, Rust, C++ and JavaScript SDKs all read, served from the profile's sign-in.

Work that leaves the kernel (a Spark driver, dbt, DuckDB through the C++ SDK, `docker run`)
asks it for credentials whenever its own run out, so it never holds keys that die within the
hour: the endpoint answers with the shared cache's role credentials, fetched again 15 minutes
before they expire, for as long as the sign-in lasts; after that it answers 401 with a message
the SDKs report. Loopback only, a random port, a random token required on every request
(compared in constant time); nothing is served without it, and it logs nothing.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..config.read import PlainProfile, Profile
from ..errors import (
    ConfigError,
    LocalStateError,
    NoAccessError,
    NotSignedInError,
    ServiceError,
    SsoMagicError,
)
from ..runtime import Runtime

PATH = "/credentials"


FAULT_CODES = {"network": "Unreachable", "service": "ServiceUnavailable",
               "request": "Refused", "clock": "ClockSkew", "answer": "BadAnswer",
               "certificate": "UntrustedCertificate"}


def refusal(exc: SsoMagicError) -> tuple[int, str]:
    """The status and Code an SDK reports for an error, by whose it is, so a log read later
    says what to mend: the sign-in (401), the role's grant or trust (403), AWS or the network
    (503 when another try may serve, 502 when it will not), this machine's config or files
    (500)."""
    if isinstance(exc, NotSignedInError):
        return 401, "NotSignedIn"
    if isinstance(exc, NoAccessError):
        return 403, "NoAccess"
    if isinstance(exc, ServiceError):
        return 503 if exc.retry_helps else 502, FAULT_CODES[exc.fault]
    if isinstance(exc, ConfigError):
        return 500, "ConfigError"
    if isinstance(exc, LocalStateError):
        return 500, "LocalState"
    return 500, "Unavailable"


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class CredentialsEndpoint:
    def __init__(self, profile: Profile | PlainProfile, runtime: Runtime | None = None) -> None:
        self.runtime = runtime or Runtime()
        self._profile = profile
        self._token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()  # one fetch at a time: 50 callers, one request to AWS
        self._credentials: Any = None  # a refreshing botocore credentials object
        self.served = 0
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"CredentialsEndpoint(profile={self.profile!r}, url={self.url!r})"

    @property
    def profile(self) -> str:
        return self._profile.name

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def environment(self) -> dict[str, str]:
        """The two variables an SDK reads; the token is a credential: keep it out of outputs."""
        return {"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": self._token}

    def follow(self, profile: Profile | PlainProfile) -> None:
        """Serve another profile from now on (`%sso use` moved the kernel)."""
        with self._lock:
            self._profile, self._credentials = profile, None

    def start(self) -> CredentialsEndpoint:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,),
                                        name="ssomagic-credentials-endpoint", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def answer(self) -> dict[str, str]:
        """The container-credentials document for the profile now: refreshed by botocore's
        own rules on ssomagic's providers (the role-credential cache, a new sign-in)."""
        with self._lock:
            if isinstance(self._profile, Profile):  # signed out, expired: say so, serve nothing
                from ..signin.tokens import current_token
                from .portal import not_signed_in

                sso = self._profile.sso
                if current_token(sso, runtime=self.runtime, profile=self._profile.name) is None:
                    self._credentials = None
                    raise not_signed_in(sso, self._profile.name, self.runtime)
            if isinstance(self._profile, PlainProfile):  # botocore's providers, in its words
                from ..config.plain_profiles import current, resolved_credentials

                if self._credentials is None:
                    self._credentials = resolved_credentials(self._profile, self.runtime)
                found = self._credentials
                frozen = current(self._profile, found)  # refreshes when due
            else:
                from ..aws.boto_session import boto3_session

                if self._credentials is None:
                    self._credentials = boto3_session(self._profile,
                                                      self.runtime).get_credentials()
                found = self._credentials
                frozen = found.get_frozen_credentials()  # refreshes when due
            expiry = getattr(found, "_expiry_time", None)
        document = {"AccessKeyId": frozen.access_key, "SecretAccessKey": frozen.secret_key,
                    "Token": frozen.token or ""}
        if isinstance(expiry, datetime):
            document["Expiration"] = expiry.astimezone(timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
        if isinstance(self._profile, Profile) and self._profile.account_id:
            document["AccountId"] = self._profile.account_id
        return document

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # no request goes to a log

            def do_GET(self) -> None:
                given = self.headers.get("Authorization", "")
                if not hmac.compare_digest(given.encode(), endpoint._token.encode()):
                    self._json(403, {"Code": "AccessDenied", "Message":
                                     "This credentials endpoint needs its token "
                                     "(AWS_CONTAINER_AUTHORIZATION_TOKEN)."})
                    return
                try:
                    document = endpoint.answer()
                except SsoMagicError as exc:
                    status, code = refusal(exc)
                    self._json(status, {"Code": code, "Message": str(exc)})
                    return
                except Exception as exc:  # an SDK reports the message; no traceback
                    self._json(500, {"Code": "Unavailable",
                                     "Message": f"ssomagic could not get credentials "
                                                f"({type(exc).__name__})."})
                    return
                endpoint.served += 1
                self._json(200, document)

            def _json(self, status: int, document: dict[str, str]) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
