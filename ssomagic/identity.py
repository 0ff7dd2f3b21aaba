"""Who the kernel is in AWS: STS GetCallerIdentity through the profile, plus the account's name
from the portal and the token's expiry, so a person sees at a glance where their code runs.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .boto_session import boto3_session
from .config import Profile, SsoSession
from .errors import NotAnSsoProfileError, ServiceError, SsoMagicError
from .portal import Portal, not_signed_in
from .retry import error_code
from .runtime import Runtime
from .tokens import current_token


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
    token_expires_at: datetime

    def _repr_html_(self) -> str:
        from .render import identity_card_html
        from .runtime import utc_now

        return identity_card_html(self, utc_now())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .render import identity_text
        from .runtime import utc_now

        printer.text(identity_text(self, utc_now()))

    def __str__(self) -> str:
        account = f"{self.account_name} ({self.account_id})" if self.account_name \
            else self.account_id
        return (f"{self.user} as {self.role} in {account}, region {self.region or '-'}, "
                f"token until {self.token_expires_at:%Y-%m-%d %H:%M} UTC")


def role_from_arn(arn: str) -> str | None:
    """The permission set's name from ...:assumed-role/AWSReservedSSO_<name>_<hex>/<user>."""
    try:
        role_part = arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
    except IndexError:
        return None
    if role_part.startswith("AWSReservedSSO_"):
        return role_part[len("AWSReservedSSO_"):].rsplit("_", 1)[0]
    return role_part


_names_lock = threading.Lock()
_account_names: dict[tuple[str, str], dict[str, str]] = {}


def account_names(portal: Portal, access_token: str) -> dict[str, str]:
    """Account id -> name, listed once per token."""
    key = (portal.session.cache_key, access_token)
    with _names_lock:
        if key in _account_names:
            return _account_names[key]
    names = {a.account_id: a.name for a in portal.accounts()}
    with _names_lock:
        _account_names[key] = names
    return names


def known_account_names(runtime: Runtime, sessions: list[SsoSession]) -> dict[str, str]:
    """Account names from every signed-in session's portal (no sign-in is started)."""
    names: dict[str, str] = {}
    for session in sessions:
        token = current_token(session, runtime=runtime)
        if token is None:
            continue
        with contextlib.suppress(SsoMagicError):
            names.update(account_names(Portal(session, token.access_token, runtime=runtime),
                                       token.access_token))
    return names


def whoami(profile: Profile, runtime: Runtime | None = None) -> Identity:
    runtime = runtime or Runtime()
    if not profile.has_role:
        raise NotAnSsoProfileError(
            f'The profile "{profile.name}" names no sso_account_id and sso_role_name, so it '
            "has no identity of its own.", "Choose a profile with an account and a role.")
    token = current_token(profile.sso, runtime=runtime, profile=profile.name)
    if token is None:
        raise not_signed_in(profile.sso, profile.name)
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3_session(profile, runtime)
    sts = session.client("sts", region_name=profile.region or profile.sso.region)
    try:  # role credentials come first: NotSignedInError and NoAccessError pass through
        answer: dict[str, Any] = sts.get_caller_identity()
    except ClientError as exc:
        if error_code(exc) in ("ExpiredToken", "InvalidClientTokenId"):
            raise not_signed_in(profile.sso, profile.name) from None
        raise ServiceError(f"AWS answered {error_code(exc)} to GetCallerIdentity.",
                           "Try again in a moment.") from None
    except BotoCoreError as exc:
        raise ServiceError(f"Could not ask AWS who you are ({type(exc).__name__}).",
                           "Check your network, then try again.") from None
    portal = Portal(profile.sso, token.access_token, runtime=runtime, profile=profile.name)
    arn = answer["Arn"]
    return Identity(
        profile=profile.name,
        account_id=answer["Account"],
        account_name=account_names(portal, token.access_token).get(answer["Account"]),
        role=role_from_arn(arn) or profile.role_name or "",
        arn=arn,
        user=arn.rsplit("/", 1)[-1],
        user_id=answer["UserId"],
        region=profile.region,
        token_expires_at=token.expires_at,
    )
