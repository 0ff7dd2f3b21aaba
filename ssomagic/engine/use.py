"""Using a profile that is signed in: check that its role is one the sign-in grants, then bind
it. `%sso use`, `ssomagic.use()` and the picker all come here, so a role the user does not have
is refused with the roles they do have, before anything is bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from .binding import KernelBinding
from .config import Profile
from .errors import NoAccessError, SsoMagicError, TokenRejectedError
from .portal import Portal, not_signed_in
from .runtime import Runtime
from .token_cache import CachedToken, format_time
from .tokens import current_token


class RoleListings:
    """The roles of an account, per sign-in (keyed by session, token expiry and account, never
    by token), so switching back and forth costs no request after the first."""

    MAX_ENTRIES = 64

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._roles: OrderedDict[tuple[str, str, str], tuple[str, ...]] = OrderedDict()

    def roles(self, profile: Profile, token: CachedToken, runtime: Runtime) -> tuple[str, ...]:
        account = profile.account_id or ""
        key = (profile.sso.cache_key, format_time(token.expires_at), account)
        with self._lock:
            if key in self._roles:
                self._roles.move_to_end(key)
                return self._roles[key]
        found = tuple(Portal(profile.sso, token.access_token, runtime=runtime,
                             profile=profile.name).roles(account))
        with self._lock:
            self._roles[key] = found
            while len(self._roles) > self.MAX_ENTRIES:
                self._roles.popitem(last=False)
        return found


_listings = RoleListings()


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
        roles = _listings.roles(profile, token, runtime)
    except TokenRejectedError:
        raise
    except SsoMagicError:
        roles = None  # the portal cannot say now: the binding proceeds, as before the check
    if roles is not None and profile.role_name not in roles:
        raise NoAccessError(profile.account_id or "", profile.role_name or "", list(roles))
    return Used(profile, token, tuple(binding.bind(profile)))
