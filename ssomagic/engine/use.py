"""Using a profile that is signed in: check that its role is one the sign-in grants, then bind
it. `%sso use`, `ssomagic.use()` and the picker all come here, so a role the user does not have
is refused with the roles they do have, before anything is bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from .binding import KernelBinding
from .config import Profile
from .errors import NoAccessError, SsoMagicError, TokenRejectedError
from .lru import Lru
from .portal import Portal, not_signed_in
from .runtime import Runtime
from .token_cache import CachedToken, format_time
from .tokens import current_token

# The roles of an account, per sign-in (keyed by session, token expiry and account, never by
# token), so switching back and forth costs no request after the first.
_listings: Lru[tuple[str, str, str], tuple[str, ...]] = Lru(64)


def granted_roles(profile: Profile, token: CachedToken, runtime: Runtime) -> tuple[str, ...]:
    account = profile.account_id or ""
    return _listings.get_or_make(
        (profile.sso.cache_key, format_time(token.expires_at), account),
        lambda: tuple(Portal(profile.sso, token.access_token, runtime=runtime,
                             profile=profile.name).roles(account)))


@dataclass(frozen=True)
class Used:
    profile: Profile
    token: CachedToken
    warnings: tuple[str, ...]


def use(profile: Profile, binding: KernelBinding) -> Used:
    """Bind ``profile`` if it is signed in and its role is granted; else say why not."""
    runtime = binding.runtime
    if not profile.has_role:
        raise NoAccessError(profile.account_id or "-", profile.role_name or "-", None)
    token = current_token(profile.sso, runtime=runtime, profile=profile.name)
    if token is None:
        raise not_signed_in(profile.sso, profile.name)
    try:
        roles = granted_roles(profile, token, runtime)
    except TokenRejectedError:
        raise
    except SsoMagicError:
        roles = None  # the portal cannot say now: the binding proceeds, as before the check
    if roles is not None and profile.role_name not in roles:
        raise NoAccessError(profile.account_id or "", profile.role_name or "", list(roles))
    return Used(profile, token, tuple(binding.bind(profile)))
