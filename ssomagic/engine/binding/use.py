"""Using a profile that is signed in: check that its role is one the sign-in grants, then bind
it. `%sso use`, `ssomagic.use()` and the picker all come here, so a role the user does not have
is refused with the roles they do have, before anything is bound. A console has no process to
bind: `ssomagic use` checks the same way and prints the shell line that binds the caller's shell.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from ..access.portal import Portal, not_signed_in
from ..config.read import PlainProfile, Profile
from ..errors import NoAccessError, SsoMagicError, TokenRejectedError
from ..files import listing_cache
from ..files.lru import Lru
from ..files.token_cache import CachedToken, format_time
from ..runtime import Runtime
from ..signin.tokens import current_token
from .kernel_binding import KernelBinding

# The roles of an account, per sign-in (keyed by session, token expiry and account, never by
# token), so switching back and forth costs no request after the first.
_listings: Lru[tuple[str, str, str], tuple[str, ...]] = Lru(64)


def granted_roles(profile: Profile, token: CachedToken, runtime: Runtime) -> tuple[str, ...]:
    account = profile.account_id or ""

    def listed() -> tuple[str, ...]:
        cached = listing_cache.read(profile.sso, token.access_token, runtime)
        if cached is not None and cached.roles is not None:
            return cached.roles.get(account, ())
        return tuple(Portal(profile.sso, token.access_token, runtime=runtime,
                            profile=profile.name).roles(account))

    return _listings.get_or_make(
        (profile.sso.cache_key, format_time(token.expires_at), account), listed)


@dataclass(frozen=True)
class Used:
    profile: Profile | PlainProfile
    token: CachedToken | None  # None: a plain profile, which no sign-in serves
    warnings: tuple[str, ...]


def use(profile: Profile | PlainProfile, binding: KernelBinding) -> Used:
    """Bind ``profile`` if it is signed in and its role is granted; else say why not. A plain
    profile (static keys, a credential_process) is bound as it is: botocore resolves it."""
    if isinstance(profile, PlainProfile):
        return Used(profile, None, tuple(binding.bind(profile)))
    token = usable(profile, binding.runtime)
    return Used(profile, token, tuple(binding.bind(profile)))


def usable(profile: Profile, runtime: Runtime) -> CachedToken:
    """The sign-in that serves ``profile``, once its role is known to be granted (or the portal
    cannot say now); else the error that says why the profile cannot be used."""
    if not profile.has_role:
        raise NoAccessError(profile.account_id or "-", profile.role_name or "-", None)
    token = current_token(profile.sso, runtime=runtime, profile=profile.name)
    if token is None:
        raise not_signed_in(profile.sso, profile.name, runtime)
    root = profile.root  # a chain: the sign-in grants its root's role; STS judges the rest
    try:
        roles = granted_roles(root, token, runtime)
    except TokenRejectedError:
        raise
    except SsoMagicError:
        roles = None  # the portal cannot say now: the binding proceeds, as before the check
    if roles is not None and root.role_name not in roles:
        raise NoAccessError(root.account_id or "", root.role_name or "", list(roles))
    return token


SHELLS = ("posix", "fish", "powershell")


def shell_lines(profile: Profile, shell: str = "posix") -> str:
    """What binds a shell to ``profile``, as `eval "$(ssomagic use dev)"` runs it: AWS_PROFILE,
    and the region as the kernel binding sets it. Values are quoted for that shell."""
    values = {"AWS_PROFILE": profile.name}
    if profile.region:
        values.update(AWS_REGION=profile.region, AWS_DEFAULT_REGION=profile.region)
    if shell == "fish":
        return "\n".join(f"set -gx {k} {shlex.quote(v)};" for k, v in values.items())
    if shell == "powershell":
        return "\n".join(f"$Env:{k} = '{v.replace(chr(39), chr(39) * 2)}'"
                         for k, v in values.items())
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in values.items())
