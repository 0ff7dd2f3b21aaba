"""Who the kernel is in AWS: STS GetCallerIdentity through the profile, plus the account's name
from the portal and the token's expiry, so a person sees at a glance where their code runs.

How an Identity looks in a notebook is the notebook front end's business: it registers an HTML
formatter for this type. Here it has only words.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..aws import gateway
from ..aws.boto_session import boto3_session
from ..aws.clients import client_config
from ..config.read import PlainProfile, Profile, SsoSession
from ..errors import SsoMagicError
from ..files import listing_cache
from ..files.lru import Lru
from ..files.token_cache import CachedToken, format_time
from ..runtime import Runtime
from ..signin.tokens import current_token
from .portal import Portal, not_signed_in
from .role_credentials import RoleCredentialFetcher, credentials_refused

WHOAMI = "say who you are"


@dataclass(frozen=True)
class Identity:
    profile: str
    account_id: str
    account_name: str | None
    role: str
    arn: str
    user: str
    user_id: str
    region: str | None
    token_expires_at: datetime | None  # None: credentials that do not expire (static keys)
    via: tuple[str, ...] = ()  # a chained profile's sources, down to the SSO profile
    source: str | None = None  # a plain profile: where its credentials come from

    def seconds_left(self, now: datetime) -> float:
        if self.token_expires_at is None:
            return float("inf")
        return (self.token_expires_at - now).total_seconds()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def __str__(self) -> str:
        account = f"{self.account_name} ({self.account_id})" if self.account_name \
            else self.account_id
        via = f" (assumed via {' -> '.join(self.via)})" if self.via else ""
        until = (f"token until {self.token_expires_at:%Y-%m-%d %H:%M} UTC"
                 if self.token_expires_at is not None else "credentials that do not expire")
        if self.source:
            until = f"credentials from {self.source}" + (
                f" until {self.token_expires_at:%Y-%m-%d %H:%M} UTC"
                if self.token_expires_at is not None else "")
        return f"{self.user} as {self.role} in {account}{via}, region {self.region or '-'}, {until}"


def role_from_arn(arn: str) -> str | None:
    """The permission set's name from ...:assumed-role/AWSReservedSSO_<name>_<hex>/<user>."""
    try:
        role_part = arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
    except IndexError:
        return None
    if role_part.startswith("AWSReservedSSO_"):
        return role_part[len("AWSReservedSSO_"):].rsplit("_", 1)[0]
    return role_part


# Account id -> name for each sign-in, listed once. Keyed by the sso-session and the token's
# expiry (a new sign-in or refresh lists again), never by the token itself; bounded, since a
# kernel can live for weeks.
_account_names: Lru[tuple[str, str], dict[str, str]] = Lru(16)


def account_names(portal: Portal, token: CachedToken) -> dict[str, str]:
    """Account id -> name, listed once per sign-in (by any process: the listing file)."""

    def listed() -> dict[str, str]:
        cached = listing_cache.read(portal.session, token.access_token, portal.runtime)
        if cached is None:
            accounts = portal.accounts()
            listing_cache.write(portal.session, token.access_token, portal.runtime, accounts)
        else:
            accounts = list(cached.accounts)
        return {a.account_id: a.name for a in accounts}

    return _account_names.get_or_make(
        (portal.session.cache_key, format_time(token.expires_at)), listed)


def known_account_names(runtime: Runtime, sessions: list[SsoSession]) -> dict[str, str]:
    """Account names from every signed-in session's portal (no sign-in is started)."""
    names: dict[str, str] = {}
    for session in sessions:
        with contextlib.suppress(SsoMagicError):
            token = current_token(session, runtime=runtime)
            if token is None:
                continue
            names.update(account_names(Portal(session, token.access_token, runtime=runtime),
                                       token))
    return names


def whoami(profile: Profile | PlainProfile, runtime: Runtime | None = None) -> Identity:
    runtime = runtime or Runtime()
    if isinstance(profile, PlainProfile):
        return _plain_whoami(profile, runtime)
    profile.require_role("identity of its own")
    with gateway.action(runtime):  # a renewal, the role credentials, STS, the account's name
        return _sso_whoami(profile, runtime)


def _sso_whoami(profile: Profile, runtime: Runtime) -> Identity:
    token = current_token(profile.sso, runtime=runtime, profile=profile.name)
    if token is None:
        raise not_signed_in(profile.sso, profile.name, runtime)
    region = profile.region or profile.sso.region
    target = gateway.Target("sts", region, profile.sso.label, profile.name)
    from botocore.exceptions import ClientError

    def ask() -> Any:
        """Role credentials come first: NotSignedInError and NoAccessError pass through."""
        sts = boto3_session(profile, runtime).client("sts", region_name=region,
                                                     config=client_config(region))
        return gateway.call(sts.get_caller_identity, {}, doing=WHOAMI, target=target,
                            runtime=runtime,
                            handled=frozenset({"ExpiredToken", "InvalidClientTokenId"}))

    try:
        answer = ask()
    except ClientError:
        # STS no longer takes the cached role credentials (revoked, or their role changed):
        # ask the portal for new ones once, which also tells whether the sign-in itself still
        # stands (a TokenRejectedError when it does not).
        RoleCredentialFetcher(profile.root, runtime).fetch(use_cache=False)
        credentials_refused(profile.root)  # the same refusal awaits every client on them
        try:
            answer = ask()
        except ClientError:
            raise not_signed_in(profile.sso, profile.name, runtime) from None
    answer = gateway.expect(answer, "Arn", "Account", "UserId", doing=WHOAMI, target=target)
    portal = Portal(profile.sso, token.access_token, runtime=runtime, profile=profile.name)
    arn = str(answer["Arn"])
    return Identity(
        profile=profile.name,
        account_id=str(answer["Account"]),
        account_name=_name_of(portal, token, str(answer["Account"])),
        role=role_from_arn(arn) or profile.role_name or "",
        arn=arn,
        user=arn.rsplit("/", 1)[-1],
        user_id=str(answer["UserId"]),
        region=profile.region,
        token_expires_at=token.expires_at,
        via=profile.chain[1:],
    )


def _plain_whoami(profile: PlainProfile, runtime: Runtime) -> Identity:
    from ..config.plain_profiles import caller

    answer, expiry = caller(profile, runtime)
    arn = str(answer["Arn"])
    return Identity(profile=profile.name, account_id=str(answer["Account"]), account_name=None,
                    role=role_from_arn(arn) or arn.rsplit("/", 1)[-1], arn=arn,
                    user=arn.rsplit("/", 1)[-1], user_id=str(answer["UserId"]),
                    region=profile.region, token_expires_at=expiry, source=profile.how)


def _name_of(portal: Portal, token: CachedToken, account_id: str) -> str | None:
    """The account's name; None when the portal cannot say (the identity stands without it)."""
    try:
        with gateway.optional_step(portal.runtime):
            return account_names(portal, token).get(account_id)
    except SsoMagicError:
        return None
