"""What an IAM Identity Center instance remembers, and the rules its operations follow.

Kept apart from HTTP so the server module only translates requests, and so tests and the
control API can approve codes, revoke tokens and inject faults on the same object.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from .faults import Fault, Garbage, Hollow, Misshapen, Reset, TokenBucket
from .org import DEFAULT_ORG, Org

_KEY_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
PORTAL_OPERATIONS = frozenset({"ListAccounts", "ListAccountRoles", "GetRoleCredentials",
                               "Logout"})
STS_OPERATIONS = frozenset({"GetCallerIdentity", "AssumeRole"})
OPERATIONS = (
    "RegisterClient",
    "StartDeviceAuthorization",
    "CreateToken",
    "ListAccounts",
    "ListAccountRoles",
    "GetRoleCredentials",
    "Logout",
    "GetCallerIdentity",
    "AssumeRole",
)


class ApiError(Exception):
    """An error answer: the exception name goes to x-amzn-ErrorType, as AWS sends it."""

    def __init__(self, code: str, status: int, message: str, oauth_error: str | None = None,
                 delay: float = 0.0):
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.oauth_error = oauth_error
        self.delay = delay  # a refusal takes the round trip an answer takes


@dataclass
class Settings:
    """Tunable behaviour; every field can be changed at run time through the control API."""

    token_lifetime: int = 8 * 3600
    role_credentials_lifetime: int = 3600
    registration_lifetime: int = 90 * 24 * 3600
    device_code_expiry: int = 600
    authorization_code_expiry: int = 300  # PKCE: how long a code from /authorize is good
    # Honour codes this many seconds past the expiresIn the server advertises (clock skew on a
    # real service): a client must stop at expiresIn by itself, not wait for the server's word.
    device_code_grace: int = 0
    # Where the verification page claims to be ("" = this emulator): a phishing test's lure.
    verification_base: str = ""
    interval: int = 1
    refresh_tokens: bool = True
    page_size: int = 20
    # The access portal's collective quota, as the service enforces it: a token bucket refilled
    # at `portal_rate` calls a second holding at most `portal_burst` (0: as many as the rate),
    # and 429 TooManyRequestsException for a call that finds it empty. 0 turns the quota off.
    portal_rate: float = 0.0
    portal_burst: int = 0
    # How far AWS's clock is ahead of this machine's, in seconds. Signatures are checked
    # against real time plus this (botocore signs with real time, whatever clock a test gives
    # the emulator): more than 5 minutes apart, STS refuses them as AWS does.
    clock_offset: float = 0.0


@dataclass
class _DeviceAuth:
    device_code: str
    user_code: str
    client_id: str
    start_url: str
    expires_at: float
    status: str = "pending"  # pending | approved | denied | consumed


@dataclass
class _Token:
    client_id: str
    expires_at: float
    start_url: str  # the instance signed in to: its org answers the portal's calls
    revoked: bool = False


@dataclass
class _RoleCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    account_id: str
    role_name: str
    expires_at: float
    session_name: str  # the SSO user (of the instance that issued them), or RoleSessionName
    arn: str | None = None  # set for an assumed (chained) role; SSO roles derive theirs


@dataclass
class _Client:
    client_id: str
    client_secret: str
    name: str
    scopes: list[str] | None
    expires_at: float
    grant_types: tuple[str, ...] = ()
    redirect_uris: tuple[str, ...] = ()
    issuer: str = ""  # the start URL a PKCE client registered for (issuerUrl)


@dataclass
class _AuthorizationCode:
    """What the person allowed on the /authorize page (PKCE): one use, a short life."""

    code: str
    client_id: str
    redirect_uri: str
    challenge: str
    expires_at: float
    used: bool = False


@dataclass
class _AuthorizeRequest:
    client_id: str
    redirect_uri: str
    state: str
    challenge: str
    scopes: str


def _page_token(offset: int) -> str:
    """Opaque, as the service's: a client can only hand it back, never compute one."""
    raw = f"ssomagic-emulator-page:{offset}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _page_start(token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValueError("bad page token") from None
    prefix, _, offset = raw.rpartition(":")
    if prefix != "ssomagic-emulator-page" or not offset.isdigit():
        raise ValueError("bad page token")
    return int(offset)


def _role_path_suffix(account_id: str, role: str) -> str:
    return hashlib.sha1(f"{account_id}/{role}".encode()).hexdigest()[:16]


def assumed_role_arn(account_id: str, role: str, user: str) -> str:
    return (
        f"arn:aws:sts::{account_id}:assumed-role/"
        f"AWSReservedSSO_{role}_{_role_path_suffix(account_id, role)}/{user}"
    )


@dataclass
class IdentityCenter:
    org: Org = DEFAULT_ORG
    # Other IAM Identity Center instances, by start URL: a sign-in to one of these sees its
    # org (its accounts and their roles), a sign-in to any other start URL sees ``org``.
    instances: dict[str, Org] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    clock: Callable[[], float] = time.time
    seed: int | None = None

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._random = random.Random(self.seed)
        self._clients: dict[str, _Client] = {}
        self._device_auths: dict[str, _DeviceAuth] = {}
        self._access_tokens: dict[str, _Token] = {}
        self._refresh_tokens: dict[str, _Token] = {}
        self._role_credentials: dict[str, _RoleCredentials] = {}
        self._faults: dict[str, Fault] = {}
        self._requests: list[dict[str, Any]] = []
        self._serial = itertools.count(1)
        self._bucket: TokenBucket | None = None
        self._codes: dict[str, _AuthorizationCode] = {}
        self._signin_tokens: dict[str, tuple[str, float]] = {}
        self._authorize_requests: dict[str, _AuthorizeRequest] = {}
        self.refused = 0  # portal calls the quota refused
        # Requests as they arrive (the log records each when it is answered, which a late
        # answer may never be): that a call was made at all.
        self.arrivals: dict[str, int] = {}

    # ---- faults and bookkeeping -------------------------------------------------------

    def set_fault(self, operation: str, **spec: Any) -> None:
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; one of {', '.join(OPERATIONS)}")
        with self._lock:
            self._faults[operation] = Fault(**spec)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def update_settings(self, **values: Any) -> None:
        with self._lock:
            for key, value in values.items():
                if not hasattr(self.settings, key):
                    raise ValueError(f"unknown setting {key!r}")
                setattr(self.settings, key, type(getattr(self.settings, key))(value))
            self._bucket = None  # a new quota starts full

    def _within_quota(self, operation: str) -> bool:
        rate = self.settings.portal_rate
        if operation not in PORTAL_OPERATIONS or rate <= 0:
            return True
        now = self.clock()  # the emulator's clock: a test on a fake clock throttles in fake time
        if self._bucket is None:
            self._bucket = TokenBucket(rate, self.settings.portal_burst, now)
        if self._bucket.take(now):
            return True
        self.refused += 1
        return False

    def before(self, operation: str) -> float:
        """Apply the quota and the operation's faults; returns the latency to add (slept
        outside the lock)."""
        with self._lock:
            self.arrivals[operation] = self.arrivals.get(operation, 0) + 1
            fault = self._faults.get(operation)
            if not self._within_quota(operation):
                raise ApiError("TooManyRequestsException", 429, "Rate exceeded",
                               delay=fault.latency if fault and fault.late is None else 0.0)
            if fault is None:
                return 0.0
            if fault.resets > 0:
                fault.resets -= 1
                raise Reset()
            if fault.garbage > 0:
                fault.garbage -= 1
                raise Garbage()
            if fault.hollow > 0:
                fault.hollow -= 1
                raise Hollow()
            if fault.misshapen:
                raise Misshapen(fault.misshapen.pop(0))
            if fault.errors > 0:
                fault.errors -= 1
                raise ApiError("InternalServerException", 500, "Injected server error",
                               oauth_error="server_error")
            if fault.throttle > 0 or (
                fault.throttle_rate and self._random.random() < fault.throttle_rate
            ):
                fault.throttle = max(0, fault.throttle - 1)
                if operation in STS_OPERATIONS:  # STS's own throttle: a 400 in its XML
                    raise ApiError("Throttling", 400, "Rate exceeded")
                raise ApiError("TooManyRequestsException", 429, "Rate exceeded",
                               oauth_error="slow_down")
            if operation == "CreateToken" and fault.slow_down > 0:
                fault.slow_down -= 1
                raise ApiError("SlowDownException", 400, "Client is polling too fast",
                               oauth_error="slow_down")
            if fault.late is None:
                return fault.latency
            if fault.late > 0:
                fault.late -= 1
                return fault.latency
            return 0.0

    def record(self, operation: str, status: int, code: str | None = None, *,
               agent: str = "") -> None:
        """One answered request; ``agent`` is its User-Agent, as AWS's request logs keep it."""
        with self._lock:
            self._requests.append(
                {"n": next(self._serial), "operation": operation, "status": status,
                 "error": code, "time": self.clock(), "agent": agent}
            )

    def requests(self, operation: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self._requests if operation in (None, r["operation"])]

    def issued_secrets(self) -> list[str]:
        """Every secret this instance ever handed out, for tests that scan notebooks for leaks."""
        with self._lock:
            found = [c.client_secret for c in self._clients.values()]
            found += list(self._access_tokens) + list(self._refresh_tokens)
            found += [d.device_code for d in self._device_auths.values()]
            found += list(self._codes)
            found += list(self._signin_tokens)
            for creds in self._role_credentials.values():
                found += [creds.secret_access_key, creds.session_token]
            return found

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            now = self.clock()
            return {
                "settings": asdict(self.settings),
                "clients": len(self._clients),
                "device_authorizations": [
                    {"user_code": d.user_code, "status": d.status,
                     "expires_in": max(0, round(d.expires_at - now))}
                    for d in self._device_auths.values()
                ],
                "access_tokens": sum(1 for t in self._access_tokens.values()
                                     if not t.revoked and t.expires_at > now),
                "faults": {k: asdict(v) for k, v in self._faults.items()},
                "requests": len(self._requests),
                "refused": self.refused,
            }

    # ---- person at the verification page -----------------------------------------------

    def pending_user_codes(self) -> list[str]:
        with self._lock:
            now = self.clock()
            return [d.user_code for d in self._device_auths.values()
                    if d.status == "pending" and d.expires_at > now]

    def _auth_by_user_code(self, user_code: str) -> _DeviceAuth:
        wanted = user_code.strip().upper()
        for auth in self._device_auths.values():
            if auth.user_code == wanted:
                return auth
        raise KeyError(user_code)

    def lookup(self, user_code: str) -> dict[str, Any] | None:
        with self._lock:
            try:
                auth = self._auth_by_user_code(user_code)
            except KeyError:
                return None
            expired = auth.expires_at <= self.clock()
            return {"user_code": auth.user_code, "start_url": auth.start_url,
                    "status": "expired" if expired and auth.status == "pending" else auth.status}

    def decide(self, user_code: str, approve: bool) -> str:
        """Approve or deny a code, as the person would on the verification page."""
        with self._lock:
            auth = self._auth_by_user_code(user_code)
            if auth.expires_at <= self.clock():
                return "expired"
            if auth.status == "pending":
                auth.status = "approved" if approve else "denied"
            return auth.status

    def revoke_role_credentials(self) -> int:
        """End every role credential issued (STS then refuses them) while the sign-ins stand,
        as a changed permission set or an administrator's "revoke active sessions" does."""
        with self._lock:
            for creds in self._role_credentials.values():
                creds.expires_at = 0
            return len(self._role_credentials)

    def revoke_tokens(self, *, role_credentials: bool = False) -> int:
        """Revoke every access and refresh token, as an administrator ending sessions would;
        with ``role_credentials``, also every role credential issued (STS then refuses them)."""
        with self._lock:
            tokens = [*self._access_tokens.values(), *self._refresh_tokens.values()]
            for token in tokens:
                token.revoked = True
            if role_credentials:
                for creds in self._role_credentials.values():
                    creds.expires_at = 0
            return len(tokens)

    def forget_clients(self) -> None:
        """Drop every client registration, so that cached ones fail with InvalidClientException."""
        with self._lock:
            self._clients.clear()

    # ---- sso-oidc ------------------------------------------------------------------------

    def register_client(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("clientType") != "public" or not body.get("clientName"):
            raise ApiError("InvalidRequestException", 400, "clientName and clientType=public",
                           oauth_error="invalid_request")
        now = int(self.clock())
        client = _Client(
            client_id=f"emu-client-{secrets.token_urlsafe(16)}",
            client_secret=f"emu-secret-{secrets.token_urlsafe(48)}",
            name=body["clientName"],
            scopes=body.get("scopes"),
            expires_at=now + self.settings.registration_lifetime,
            grant_types=tuple(body.get("grantTypes") or ()),
            redirect_uris=tuple(body.get("redirectUris") or ()),
            issuer=str(body.get("issuerUrl") or ""),
        )
        with self._lock:
            self._clients[client.client_id] = client
        return {
            "clientId": client.client_id,
            "clientSecret": client.client_secret,
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": int(client.expires_at),
        }

    def _client(self, body: dict[str, Any]) -> _Client:
        client = self._clients.get(body.get("clientId", ""))
        if (client is None or client.client_secret != body.get("clientSecret")
                or client.expires_at <= self.clock()):
            raise ApiError("InvalidClientException", 401, "Invalid client credentials",
                           oauth_error="invalid_client")
        return client

    def start_device_authorization(self, body: dict[str, Any], base_url: str) -> dict[str, Any]:
        base_url = self.settings.verification_base or base_url
        with self._lock:
            client = self._client(body)
            if not body.get("startUrl"):
                raise ApiError("InvalidRequestException", 400, "startUrl is required",
                               oauth_error="invalid_request")
            letters = "BCDFGHJKLMNPQRSTVWXZ"
            user_code = "-".join(
                "".join(self._random.choice(letters) for _ in range(4)) for _ in range(2)
            )
            auth = _DeviceAuth(
                device_code=f"emu-device-{secrets.token_urlsafe(32)}",
                user_code=user_code,
                client_id=client.client_id,
                start_url=body["startUrl"],
                expires_at=(self.clock() + self.settings.device_code_expiry
                            + self.settings.device_code_grace),
            )
            self._device_auths[auth.device_code] = auth
        return {
            "deviceCode": auth.device_code,
            "userCode": auth.user_code,
            "verificationUri": f"{base_url}/device",
            "verificationUriComplete": f"{base_url}/device?user_code={auth.user_code}",
            "expiresIn": self.settings.device_code_expiry,
            "interval": self.settings.interval,
        }

    def _issue_token(self, client_id: str, start_url: str) -> dict[str, Any]:
        access = f"emu-access-{secrets.token_urlsafe(48)}"
        lifetime = self.settings.token_lifetime
        self._access_tokens[access] = _Token(client_id, self.clock() + lifetime, start_url)
        answer: dict[str, Any] = {"accessToken": access, "tokenType": "Bearer",
                                  "expiresIn": lifetime}
        if self.settings.refresh_tokens:
            refresh = f"emu-refresh-{secrets.token_urlsafe(48)}"
            self._refresh_tokens[refresh] = _Token(client_id, float("inf"), start_url)
            answer["refreshToken"] = refresh
        return answer

    def create_token(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            client = self._client(body)
            grant = body.get("grantType")
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                auth = self._device_auths.get(body.get("deviceCode", ""))
                if auth is None or auth.client_id != client.client_id:
                    raise ApiError("InvalidGrantException", 400, "Invalid device code",
                                   oauth_error="invalid_grant")
                if auth.expires_at <= self.clock() or auth.status == "consumed":
                    raise ApiError("ExpiredTokenException", 400, "Device code has expired",
                                   oauth_error="expired_token")
                if auth.status == "denied":
                    raise ApiError("AccessDeniedException", 400, "The user denied the request",
                                   oauth_error="access_denied")
                if auth.status == "pending":
                    raise ApiError("AuthorizationPendingException", 400,
                                   "Authorization is still pending",
                                   oauth_error="authorization_pending")
                auth.status = "consumed"
                return self._issue_token(client.client_id, auth.start_url)
            if grant == "authorization_code":
                return self._redeem(client, body)
            if grant == "refresh_token":
                token = self._refresh_tokens.get(body.get("refreshToken", ""))
                if token is None or token.revoked or token.client_id != client.client_id:
                    raise ApiError("InvalidGrantException", 400, "Invalid refresh token",
                                   oauth_error="invalid_grant")
                token.revoked = True  # refresh tokens rotate
                return self._issue_token(client.client_id, token.start_url)
            raise ApiError("UnsupportedGrantTypeException", 400, f"Unsupported grant {grant!r}",
                           oauth_error="unsupported_grant_type")

    # ---- PKCE: the authorize page and its codes ----------------------------------------------

    def authorize_request(self, query: dict[str, str]) -> str:
        """Check an /authorize request as the service does; the id the page's form carries."""
        with self._lock:
            client = self._clients.get(query.get("client_id", ""))
            if client is None or client.expires_at <= self.clock():
                raise ApiError("InvalidClientException", 401, "Unknown client")
            if "authorization_code" not in client.grant_types:
                raise ApiError("UnauthorizedClientException", 400,
                               "The client is not registered for authorization_code")
            redirect = query.get("redirect_uri", "")
            parts = urlsplit(redirect)
            registered = {(urlsplit(u).hostname, urlsplit(u).path) for u in client.redirect_uris}
            if (parts.scheme != "http" or (parts.hostname, parts.path) not in registered):
                raise ApiError("InvalidRequestException", 400,
                               "redirect_uri is not one the client registered")
            if query.get("response_type") != "code" or query.get(
                    "code_challenge_method") != "S256" or not query.get("code_challenge"):
                raise ApiError("InvalidRequestException", 400,
                               "response_type=code with an S256 code_challenge is required")
            request_id = secrets.token_urlsafe(16)
            self._authorize_requests[request_id] = _AuthorizeRequest(
                client.client_id, redirect, query.get("state", ""), query["code_challenge"],
                query.get("scopes", ""))
            return request_id

    def authorize_decide(self, request_id: str, approve: bool) -> str:
        """The person's Allow or Deny: the redirect back to the client, with the code and the
        state, or with error=access_denied."""
        with self._lock:
            request = self._authorize_requests.pop(request_id, None)
            if request is None:
                raise KeyError(request_id)
            sep = "&" if "?" in request.redirect_uri else "?"
            if not approve:
                return (f"{request.redirect_uri}{sep}error=access_denied&error_description="
                        f"The+user+denied+access&state={quote(request.state)}")
            code = _AuthorizationCode(f"emu-code-{secrets.token_urlsafe(24)}",
                                      request.client_id, request.redirect_uri,
                                      request.challenge,
                                      self.clock() + self.settings.authorization_code_expiry)
            self._codes[code.code] = code
            return f"{request.redirect_uri}{sep}code={code.code}&state={quote(request.state)}"

    def authorize(self, authorize_url: str, approve: bool = True) -> str:
        """A person allowing (or denying) in one step, for tests: the redirect URL."""
        query = {k: v[-1] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        return self.authorize_decide(self.authorize_request(query), approve)

    def _redeem(self, client: _Client, body: dict[str, Any]) -> dict[str, Any]:
        code = self._codes.get(body.get("code", ""))
        if (code is None or code.used or code.expires_at <= self.clock()
                or code.client_id != client.client_id
                or code.redirect_uri != body.get("redirectUri")):
            raise ApiError("InvalidGrantException", 400, "Invalid authorization code",
                           oauth_error="invalid_grant")
        verifier = str(body.get("codeVerifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                             ).decode().rstrip("=")
        if not hmac.compare_digest(challenge, code.challenge):
            raise ApiError("InvalidGrantException", 400, "The code_verifier does not match",
                           oauth_error="invalid_grant")
        code.used = True
        return self._issue_token(client.client_id, client.issuer)

    # ---- portal --------------------------------------------------------------------------

    def _authorize(self, access_token: str | None) -> Org:
        """The org of the instance the token signed in to; UnauthorizedException if none."""
        token = self._access_tokens.get(access_token or "")
        if token is None or token.revoked or token.expires_at <= self.clock():
            raise ApiError("UnauthorizedException", 401, "Session token not found or invalid")
        url = token.start_url.rstrip("/")
        return next((org for start, org in self.instances.items() if start.rstrip("/") == url),
                    self.org)

    def _page(self, items: list[Any], next_token: str | None, max_result: str | None
              ) -> tuple[list[Any], str | None]:
        try:
            start = _page_start(next_token) if next_token else 0
            size = int(max_result) if max_result else self.settings.page_size
        except ValueError:
            raise ApiError("InvalidRequestException", 400, "Invalid pagination") from None
        if not 1 <= size <= 100:
            raise ApiError("InvalidRequestException", 400,
                           "maxResults must be between 1 and 100")
        end = start + size
        return items[start:end], (_page_token(end) if end < len(items) else None)

    def list_accounts(self, token: str | None, query: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            org = self._authorize(token)
        accounts = [{"accountId": a.id, "accountName": a.name, "emailAddress": a.email}
                    for a in org.accounts if a.roles]
        page, nxt = self._page(accounts, query.get("next_token"), query.get("max_result"))
        return {"accountList": page, **({"nextToken": nxt} if nxt else {})}

    def list_account_roles(self, token: str | None, query: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            org = self._authorize(token)
        account = org.account(query.get("account_id", ""))
        if account is None:
            raise ApiError("ResourceNotFoundException", 404, "Account not found")
        roles = [{"roleName": r, "accountId": account.id} for r in account.roles]
        page, nxt = self._page(roles, query.get("next_token"), query.get("max_result"))
        return {"roleList": page, **({"nextToken": nxt} if nxt else {})}

    def get_role_credentials(self, token: str | None, query: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            org = self._authorize(token)
            account = org.account(query.get("account_id", ""))
            role = query.get("role_name", "")
            if account is None or role not in account.roles:
                raise ApiError("ForbiddenException", 403, "No access")
            expires_at = int(self.clock()) + self.settings.role_credentials_lifetime
            creds = _RoleCredentials(
                access_key_id="ASIA" + "".join(self._random.choice(_KEY_LETTERS)
                                               for _ in range(16)),
                secret_access_key=secrets.token_urlsafe(30),
                session_token=f"emu-session-{secrets.token_urlsafe(64)}",
                account_id=account.id,
                role_name=role,
                expires_at=expires_at,
                session_name=org.user,
            )
            self._role_credentials[creds.access_key_id] = creds
        return {"roleCredentials": {
            "accessKeyId": creds.access_key_id,
            "secretAccessKey": creds.secret_access_key,
            "sessionToken": creds.session_token,
            "expiration": expires_at * 1000,
        }}

    def signin_token(self, access_key_id: str, session_token: str, secret_key: str) -> str:
        """The federation endpoint's getSigninToken, for role credentials this issued; a
        one-time token good for 15 minutes."""
        with self._lock:
            creds = self._role_credentials.get(access_key_id)
            if (creds is None or creds.session_token != session_token
                    or creds.secret_access_key != secret_key
                    or creds.expires_at <= self.clock()):
                raise ApiError("AccessDenied", 400, "Invalid session")
            token = f"emu-signin-{secrets.token_urlsafe(32)}"
            self._signin_tokens[token] = (creds.arn or assumed_role_arn(
                creds.account_id, creds.role_name, creds.session_name), self.clock() + 900)
            return token

    def signin(self, token: str) -> str | None:
        """The console login a sign-in token leads to: the role's ARN, once."""
        with self._lock:
            found = self._signin_tokens.pop(token, None)
        if found is None or found[1] <= self.clock():
            return None
        return found[0]

    def logout(self, token: str | None) -> dict[str, Any]:
        with self._lock:
            self._authorize(token)
            self._access_tokens[token or ""].revoked = True
        return {}

    # ---- sts -----------------------------------------------------------------------------

    def check_signing_time(self, amz_date: str) -> None:
        """AWS refuses a signature made more than 5 minutes from its own time, in its words."""
        try:
            signed = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=timezone.utc).timestamp()
        except ValueError:
            return  # the signature check that follows refuses it
        now = time.time() + self.settings.clock_offset
        stamp = lambda t: datetime.fromtimestamp(t, timezone.utc).strftime("%Y%m%dT%H%M%SZ")  # noqa: E731
        if signed < now - 300:
            raise ApiError("SignatureDoesNotMatch", 403,
                           f"Signature expired: {amz_date} is now earlier than "
                           f"{stamp(now - 300)} ({stamp(now)} - 5 min.)")
        if signed > now + 300:
            raise ApiError("SignatureDoesNotMatch", 403,
                           f"Signature not yet current: {amz_date} is still later than "
                           f"{stamp(now + 300)} ({stamp(now)} + 5 min.)")

    def _caller(self, access_key_id: str, session_token: str | None,
                signed_with: Callable[[str], bool]) -> _RoleCredentials:
        with self._lock:
            creds = self._role_credentials.get(access_key_id)
            if creds is None or creds.session_token != session_token:
                raise ApiError("InvalidClientTokenId", 403,
                               "The security token included in the request is invalid.")
            if not signed_with(creds.secret_access_key):
                raise ApiError("SignatureDoesNotMatch", 403,
                               "The request signature we calculated does not match the "
                               "signature you provided. Check your AWS Secret Access Key and "
                               "signing method.")
            if creds.expires_at <= self.clock():
                raise ApiError("ExpiredToken", 400,
                               "The security token included in the request is expired")
            return creds

    def caller_identity(self, access_key_id: str, session_token: str | None,
                        signed_with: Callable[[str], bool]) -> dict[str, str]:
        """``signed_with(secret)`` says whether the request was signed with that secret key."""
        creds = self._caller(access_key_id, session_token, signed_with)
        role_id = "AROA" + hashlib.sha1(creds.role_name.encode()).hexdigest()[:17].upper()
        return {
            "Arn": creds.arn or assumed_role_arn(creds.account_id, creds.role_name,
                                                 creds.session_name),
            "UserId": f"{role_id}:{creds.session_name}",
            "Account": creds.account_id,
        }

    def assume_role(self, access_key_id: str, session_token: str | None,
                    signed_with: Callable[[str], bool], form: dict[str, str]
                    ) -> dict[str, str]:
        """Role chaining: the caller's credentials (SSO role or an assumed one) for a role
        whose trust lets the caller's account in, with the external id it asks for;
        AccessDenied as STS says it otherwise. Every call here chains (the caller holds role
        credentials), so a session lasts at most the hour STS allows a chained one."""
        caller = self._caller(access_key_id, session_token, signed_with)
        arn, session_name = form.get("RoleArn", ""), form.get("RoleSessionName", "")
        if not arn or not session_name:
            raise ApiError("ValidationError", 400, "RoleArn and RoleSessionName are required")
        # IAM roles belong to no IAM Identity Center instance: any org's may be assumed.
        role = next((found for org in (self.org, *self.instances.values())
                     if (found := org.trusted_role(arn)) is not None), None)
        if (role is None or caller.account_id not in role.trusted
                or (role.external_id is not None
                    and form.get("ExternalId") != role.external_id)):
            who = caller.arn or assumed_role_arn(caller.account_id, caller.role_name,
                                                 caller.session_name)
            raise ApiError("AccessDenied", 403, f"User: {who} is not authorized to perform: "
                           f"sts:AssumeRole on resource: {arn}")
        duration = int(form.get("DurationSeconds") or 3600)
        if duration > 3600:
            raise ApiError("ValidationError", 400, "The requested DurationSeconds exceeds the "
                           "1 hour session limit for roles assumed by role chaining.")
        with self._lock:
            creds = _RoleCredentials(
                access_key_id="ASIA" + "".join(self._random.choice(_KEY_LETTERS)
                                               for _ in range(16)),
                secret_access_key=secrets.token_urlsafe(30),
                session_token=f"emu-session-{secrets.token_urlsafe(64)}",
                account_id=role.account_id, role_name=role.name,
                expires_at=int(self.clock()) + duration, session_name=session_name,
                arn=f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{session_name}")
            self._role_credentials[creds.access_key_id] = creds
        role_id = "AROA" + hashlib.sha1(arn.encode()).hexdigest()[:17].upper()
        return {"AccessKeyId": creds.access_key_id, "SecretAccessKey": creds.secret_access_key,
                "SessionToken": creds.session_token,
                "Expiration": datetime.fromtimestamp(creds.expires_at, timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"),
                "AssumedRoleId": f"{role_id}:{session_name}", "Arn": str(creds.arn)}
