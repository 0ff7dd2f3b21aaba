"""The AWS access portal: which accounts and roles the signed-in user has, and role credentials.

Listing is concurrent with a bounded pool and pipelined behind ListAccounts' pages, so an org
of hundreds of accounts lists in a fraction of the time `aws configure sso` takes, one call at
a time. Throttling and 5xx answers are retried with back-off and never reach the caller.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..aws import clients, gateway, rate_limit
from ..config.read import SsoSession
from ..errors import (
    BadAnswerError,
    ListingIncompleteError,
    NoAccessError,
    NotSignedInError,
    SsoMagicError,
    TimedOutError,
    TokenRejectedError,
)
from ..files import rejections
from ..runtime import Runtime
from ..timing import RETRY_ATTEMPTS

if TYPE_CHECKING:
    from ..signin.session_status import SessionStatus

DEFAULT_WORKERS = 16
LIST_ACCOUNTS = "list your accounts"


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
class ListingProgress:
    """How far a listing has got, for a progress line or bar."""

    listed: int  # accounts whose roles are known
    found: int  # accounts seen so far
    all_found: bool  # every page of accounts seen, so ``found`` is the org's size
    rate: float | None  # calls a second the portal allows, once it has throttled

    @property
    def seconds_left(self) -> float | None:
        """At the portal's rate, one call an account left (None while the rate is unknown)."""
        if not self.rate:
            return None
        return (self.found - self.listed) / self.rate

    def __str__(self) -> str:
        of = f"{self.found:,}" if self.all_found else f"{self.found:,}+"
        text = f"Listed the roles of {self.listed:,} of {of} accounts"
        left = self.seconds_left
        if left is not None and self.listed < self.found:
            from ..timing import format_duration

            text += (f" (the portal allows {self.rate:.0f} calls a second: about "
                     f"{format_duration(left)} left)")
        return text + "."


@dataclass(frozen=True)
class RoleCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def not_signed_in(session: SsoSession, profile: str | None,
                  runtime: Runtime | None = None, *, status: SessionStatus | None = None
                  ) -> NotSignedInError:
    """The error for a sign-in that cannot serve; with a runtime (or the status already read),
    it says which of expired (and when) or ended by the server it is, from the cache alone."""
    from ..signin.session_status import session_status

    hint = gateway.login_hint(profile or (f"--sso-session {session.name}" if session.name
                                          else None))
    if status is None and runtime is not None:
        status = session_status(session, runtime)
    error: NotSignedInError
    if status is not None and status.state == "rejected":
        error = TokenRejectedError(
            f"IAM Identity Center no longer accepts the sign-in to {session.label}: it was "
            "signed out, or an administrator ended it.", hint)
    elif status is not None and status.state == "expired" and status.expires_at is not None:
        error = NotSignedInError(
            f"The sign-in to {session.label} expired at {status.expires_at:%H:%M} UTC.", hint)
    else:
        error = NotSignedInError(
            f"The SSO session {session.label} is not signed in, has expired or was signed "
            "out.", hint)
    error.profile = profile
    return error


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
        self._client = clients.client("sso", session.region, profile,
                                      config_file=self.runtime.config_file)
        self.target = gateway.Target("sso", session.region, session.label, profile)
        # The portal's quota is per instance of IAM Identity Center: shared by every call.
        self.limiter = rate_limit.for_session(session.region, session.cache_key)

    def __repr__(self) -> str:
        return f"Portal(session={self.session.label!r})"

    def _call(self, operation: str, doing: str, *, handled: frozenset[str] = frozenset(),
              attempts: int = RETRY_ATTEMPTS, deadline: gateway.Deadline | None = None,
              **params: Any) -> dict[str, Any]:
        method: Callable[..., dict[str, Any]] = getattr(self._client, operation)
        try:
            answer = gateway.call(method, {"accessToken": self._token, **params}, doing=doing,
                                  target=self.target, runtime=self.runtime, handled=handled,
                                  attempts=attempts, deadline=deadline, limiter=self.limiter)
        except TokenRejectedError:
            rejections.remember(self.session, self._token, self.runtime)
            raise
        return gateway.expect(answer, doing=doing, target=self.target)

    def check(self) -> None:
        """One small call that the server answers only for a sign-in it still accepts."""
        self._call("list_accounts", "check the sign-in", maxResults=1)

    def _pages(self, operation: str, key: str, doing: str, *,
               deadline: gateway.Deadline | None = None, **params: Any
               ) -> Iterator[list[dict[str, Any]]]:
        token: str | None = None
        while True:
            query: dict[str, Any] = {"maxResults": self.page_size, **params}
            if token:
                query["nextToken"] = token
            page = gateway.expect(self._call(operation, doing, deadline=deadline, **query), key,
                                  doing=doing, target=self.target)
            yield page[key]  # a list of objects: botocore's parser makes it one or gives up
            token = page.get("nextToken")
            if not token:
                return

    def _account(self, item: dict[str, Any]) -> AccountInfo:
        if not isinstance(item.get("accountId"), str):
            raise BadAnswerError(self.target.service_name, LIST_ACCOUNTS, "an account has no id")
        return AccountInfo(item["accountId"], str(item.get("accountName") or item["accountId"]),
                           str(item.get("emailAddress") or ""))

    def accounts(self) -> list[AccountInfo]:
        return [self._account(a) for page in self._pages("list_accounts", "accountList",
                                                          LIST_ACCOUNTS) for a in page]

    def roles(self, account_id: str, deadline: gateway.Deadline | None = None) -> list[str]:
        doing = f"list your roles in account {account_id}"
        roles = [r.get("roleName") for page in self._pages(
            "list_account_roles", "roleList", doing, deadline=deadline, accountId=account_id)
            for r in page]
        if not all(isinstance(r, str) for r in roles):
            raise BadAnswerError(self.target.service_name, doing, "a role has no name")
        return [str(r) for r in roles]

    def account_roles(self, *, deadline: gateway.Deadline | None = None,
                      progress: Callable[[ListingProgress], None] | None = None
                      ) -> list[AccountRoles]:
        """Every account with its roles, listing roles while later account pages still load.

        With a ``deadline`` the whole listing ends there, and an org too large for it gets a
        ListingIncompleteError that says how far it got and how long the rest would take;
        without one each call has its own (a caller showing ``progress`` is answering the
        user all along, so a large org may take as long as the portal's quota needs).
        """
        pending: list[tuple[AccountInfo, Future[list[str]]]] = []
        counts = {"listed": 0}
        lock = threading.Lock()
        all_found = False

        def report() -> None:
            if progress is not None:
                with lock:
                    found = ListingProgress(counts["listed"], len(pending), all_found,
                                            self.limiter.rate)
                progress(found)

        def finished(future: Future[list[str]]) -> None:
            if future.cancelled() or future.exception() is not None:
                return
            with lock:
                counts["listed"] += 1
            report()

        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="ssomagic-portal") as pool:
            try:
                for page in self._pages("list_accounts", "accountList", LIST_ACCOUNTS,
                                        deadline=deadline):
                    for a in page:
                        account = self._account(a)
                        future = pool.submit(self.roles, account.account_id, deadline)
                        with lock:
                            pending.append((account, future))
                        future.add_done_callback(finished)
                all_found = True
                report()
                return [AccountRoles(account, tuple(future.result()))
                        for account, future in pending]
            except TimedOutError as exc:
                listed = sum(1 for _, f in pending if f.done() and not f.exception())
                if deadline is None or not listed:
                    # one call's own deadline, or a portal that stopped answering before any
                    # account's roles came back: the org's size is not what went wrong
                    raise
                raise ListingIncompleteError(
                    self.target.service_name, listed, len(pending), all_found,
                    deadline.seconds, self.limiter.rate, exc.code) from None
            finally:
                for _, future in pending:
                    future.cancel()

    def role_credentials(self, account_id: str, role_name: str) -> RoleCredentials:
        from botocore.exceptions import ClientError

        doing = f"give credentials for {role_name} in account {account_id}"
        try:
            answer = self._call("get_role_credentials", doing,
                                handled=frozenset({"ForbiddenException"}),
                                accountId=account_id, roleName=role_name)
        except ClientError:  # ForbiddenException: the role is not assigned to this user
            raise NoAccessError(account_id, role_name, self.roles_or_none(account_id)) from None
        creds = gateway.expect(answer.get("roleCredentials"), "accessKeyId", "secretAccessKey",
                               "sessionToken", "expiration", doing=doing, target=self.target)
        try:
            expiration = datetime.fromtimestamp(float(creds["expiration"]) / 1000, timezone.utc)
        except (TypeError, ValueError, OverflowError, OSError):
            raise gateway.failure_of_answer(self.target, doing, "expiration") from None
        return RoleCredentials(
            access_key_id=str(creds["accessKeyId"]),
            secret_access_key=str(creds["secretAccessKey"]),
            session_token=str(creds["sessionToken"]),
            expiration=expiration,
        )

    def roles_or_none(self, account_id: str) -> list[str] | None:
        try:
            return self.roles(account_id)
        except SsoMagicError:
            return None

    def logout(self) -> None:
        """End the session on the server; errors are ignored, as `aws sso logout` ignores them
        (the token file is deleted either way). Bounded like every other call."""
        with contextlib.suppress(SsoMagicError):  # not _call: a refusal here is no news
            gateway.call(self._client.logout, {"accessToken": self._token}, doing="sign out",
                         target=self.target, runtime=self.runtime, attempts=2)
