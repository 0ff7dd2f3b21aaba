"""Every account and role a sign-in reaches, with the profile already configured for each.

The listing is the portal's concurrent, throttling-aware one (Portal.account_roles), the same
the picker, `%sso profiles` and ACCOUNT/ROLE resolution use, so the speed the benchmark
measures is the speed users get.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from .config import AwsConfig, SsoSession, load_config
from .portal import AccountRoles, Portal, not_signed_in
from .runtime import Runtime
from .tokens import current_token


@dataclass(frozen=True)
class Access:
    """One role in one account, and the profile that already signs in as it (if any)."""

    account_id: str
    account_name: str
    role_name: str
    profile: str | None = None


def list_account_roles(session: SsoSession, runtime: Runtime) -> list[AccountRoles]:
    """The portal's listing for a signed-in session; NotSignedInError says how to sign in."""
    token = current_token(session, runtime=runtime)
    if token is None:
        raise not_signed_in(session, None, runtime)
    return Portal(session, token.access_token, runtime=runtime).account_roles()


def configured_profiles(config: AwsConfig, session: SsoSession) -> dict[tuple[str, str], str]:
    """(account id, role) -> the first profile in file order that signs in as it here."""
    found: dict[tuple[str, str], str] = {}
    for profile in config.sso_profiles():
        if profile.has_role and profile.sso.cache_key == session.cache_key:
            found.setdefault((profile.account_id or "", profile.role_name or ""), profile.name)
    return found


def accounts(session: SsoSession, runtime: Runtime | None = None) -> list[Access]:
    runtime = runtime or Runtime()
    listing = list_account_roles(session, runtime)
    profiles = configured_profiles(load_config(runtime), session)
    return [Access(a.account.account_id, a.account.name, role,
                   profiles.get((a.account.account_id, role)))
            for a in sorted(listing, key=lambda a: (a.account.name.lower(),
                                                    a.account.account_id))
            for role in sorted(a.roles)]


def as_json(found: list[Access]) -> str:
    return json.dumps([asdict(a) for a in found], indent=2)
