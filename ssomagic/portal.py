"""The AWS access portal: which accounts and roles the signed-in user has, and role credentials.

Listing is concurrent with a bounded pool and pipelined behind ListAccounts' pages, so an org
of hundreds of accounts lists in a fraction of the time `aws configure sso` takes, one call at
a time. Throttling and 5xx answers are retried with back-off and never reach the caller.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from . import clients
from .config import SsoSession
from .errors import NoAccessError, NotSignedInError, ServiceError
from .retry import error_code, with_retries
from .runtime import Runtime

T = TypeVar("T")
DEFAULT_WORKERS = 16
RETRY_ATTEMPTS = 10


@dataclass(frozen=True)
class AccountInfo:
    account_id: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class AccountRoles:
    account: AccountInfo
    roles: tuple[str, ...]


@dataclass(frozen=True)
class RoleCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def not_signed_in(session: SsoSession, profile: str | None) -> NotSignedInError:
    login = f"login {profile}" if profile else "login"
    return NotSignedInError(
        f"The SSO session {session.label} is not signed in, has expired or was signed out.",
        f"Sign in again: `ssomagic {login}` in a terminal, or `%sso {login}` in a notebook.")


class Portal:
    def __init__(self, session: SsoSession, access_token: str, *,
                 runtime: Runtime | None = None, profile: str | None = None,
                 max_workers: int = DEFAULT_WORKERS, page_size: int = 100) -> None:
        self.session = session
        self._token = access_token
        self.runtime = runtime or Runtime()
        self.profile = profile
        self.max_workers = max(1, min(max_workers, clients.MAX_POOL))
        self.page_size = page_size
        self._client = clients.client("sso", session.region, profile)

    def __repr__(self) -> str:
        return f"Portal(session={self.session.label!r})"

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        method: Callable[..., dict[str, Any]] = getattr(self._client, operation)
        try:
            return with_retries(lambda: method(accessToken=self._token, **params),
                                sleep=self.runtime.wait, attempts=RETRY_ATTEMPTS)
        except ClientError as exc:
            code = error_code(exc)
            if code == "UnauthorizedException":
                raise not_signed_in(self.session, self.profile) from None
            if code == "ForbiddenException":
                raise
            raise ServiceError(f"The AWS access portal answered {code} to {operation}.",
                               "Try again in a moment.") from None
        except BotoCoreError as exc:
            raise ServiceError(f"Could not reach the AWS access portal ({type(exc).__name__}).",
                               "Check your network (and AWS_ENDPOINT_URL_SSO if set), then "
                               "try again.") from None

    def _pages(self, operation: str, key: str, **params: Any) -> Iterator[list[dict[str, Any]]]:
        token: str | None = None
        while True:
            extra = {"nextToken": token} if token else {}
            page = self._call(operation, maxResults=self.page_size, **params, **extra)
            yield page.get(key, [])
            token = page.get("nextToken")
            if not token:
                return

    def accounts(self) -> list[AccountInfo]:
        return [AccountInfo(a["accountId"], a.get("accountName", a["accountId"]),
                            a.get("emailAddress", ""))
                for page in self._pages("list_accounts", "accountList") for a in page]

    def roles(self, account_id: str) -> list[str]:
        return [r["roleName"] for page in self._pages("list_account_roles", "roleList",
                                                      accountId=account_id) for r in page]

    def account_roles(self) -> list[AccountRoles]:
        """Every account with its roles, listing roles while later account pages still load."""
        pending: list[tuple[AccountInfo, Future[list[str]]]] = []
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="ssomagic-portal") as pool:
            try:
                for page in self._pages("list_accounts", "accountList"):
                    for a in page:
                        account = AccountInfo(a["accountId"], a.get("accountName", a["accountId"]),
                                              a.get("emailAddress", ""))
                        pending.append((account, pool.submit(self.roles, account.account_id)))
                return [AccountRoles(account, tuple(future.result()))
                        for account, future in pending]
            finally:
                for _, future in pending:
                    future.cancel()

    def role_credentials(self, account_id: str, role_name: str) -> RoleCredentials:
        from botocore.exceptions import ClientError

        try:
            answer = self._call("get_role_credentials", accountId=account_id, roleName=role_name)
        except ClientError:  # ForbiddenException: the role is not assigned to this user
            raise NoAccessError(account_id, role_name, self.roles_or_none(account_id)) from None
        creds = answer["roleCredentials"]
        return RoleCredentials(
            access_key_id=creds["accessKeyId"],
            secret_access_key=creds["secretAccessKey"],
            session_token=creds["sessionToken"],
            expiration=datetime.fromtimestamp(creds["expiration"] / 1000, timezone.utc),
        )

    def roles_or_none(self, account_id: str) -> list[str] | None:
        from botocore.exceptions import ClientError

        try:
            return self.roles(account_id)
        except (ClientError, ServiceError):
            return None

    def logout(self) -> None:
        """End the session on the server; errors are ignored, as `aws sso logout` ignores them."""
        from botocore.exceptions import BotoCoreError, ClientError

        with contextlib.suppress(ClientError, BotoCoreError):
            self._client.logout(accessToken=self._token)
