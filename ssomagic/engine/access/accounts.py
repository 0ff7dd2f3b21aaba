"""Every account and role a sign-in reaches, with the profile already configured for each.

The listing is the portal's concurrent, throttling-aware one (Portal.account_roles), the same
the picker, `%sso profiles` and ACCOUNT/ROLE resolution use, so the speed the benchmark
measures is the speed users get.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass

from ..aws.gateway import Deadline
from ..config.read import AwsConfig, SsoSession, load_config
from ..files import listing_cache
from ..files.token_cache import TokenCache
from ..runtime import Runtime
from ..signin.tokens import current_token
from .portal import AccountRoles, ListingProgress, Portal, not_signed_in


@dataclass(frozen=True)
class Access:
    """One role in one account, and the profile that already signs in as it (if any)."""

    account_id: str
    account_name: str
    role_name: str
    profile: str | None = None


def list_account_roles(session: SsoSession, runtime: Runtime, *,
                       progress: Callable[[ListingProgress], None] | None = None,
                       refresh: bool = False) -> list[AccountRoles]:
    """The sign-in's listing: the one any process of the user made for it (unless
    ``refresh``), else the portal's; NotSignedInError says how to sign in. Without
    ``progress`` it ends at the action's deadline (ListingIncompleteError says how far it
    got); with it, when the listing ends."""
    token = current_token(session, runtime=runtime)
    if token is None:
        raise not_signed_in(session, None, runtime)
    cached = None if refresh else listing_cache.read(session, token.access_token, runtime)
    found = cached.account_roles() if cached is not None else None
    if found is not None:
        return found
    portal = Portal(session, token.access_token, runtime=runtime)
    found = portal.account_roles(deadline=None if progress else Deadline(runtime),
                                 progress=progress)
    listing_cache.write(session, token.access_token, runtime, [a.account for a in found],
                        {a.account.account_id: a.roles for a in found})
    return found


def configured_profiles(config: AwsConfig, session: SsoSession) -> dict[tuple[str, str], str]:
    """(account id, role) -> the first profile in file order that signs in as it here."""
    found: dict[tuple[str, str], str] = {}
    for profile in config.sso_profiles():
        if (profile.has_role and profile.role_arn is None
                and profile.sso.cache_key == session.cache_key):
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


def known_grants(runtime: Runtime, sessions: list[SsoSession]) -> dict[str, set[tuple[str, str]]]:
    """(account id, role) the current sign-in of each session grants, where its listing is
    already kept (listing_cache): no portal call. Sessions without one are left out."""
    found: dict[str, set[tuple[str, str]]] = {}
    for session in sessions:
        token = TokenCache(runtime).load_token(session)
        if token is None:
            continue
        listing = listing_cache.read(session, token.access_token, runtime)
        if listing is not None and listing.roles is not None:
            found[session.cache_key] = {(a, r) for a, roles in listing.roles.items()
                                        for r in roles}
    return found
