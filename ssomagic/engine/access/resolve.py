"""Finding the profile a notebook means: a profile name, or ACCOUNT/ROLE.

ACCOUNT/ROLE (ACCOUNT an account name or id) lets a shared notebook run on colleagues' machines
where profile names differ. It is looked up among the configured profiles, with account names
from the portal of each signed-in sso-session; when no profile matches but a signed-in session
grants that role, finding it yields a NewProfile, named `<role>-<account>` as
`aws configure sso` names it; only ``resolve_profile`` (what `%sso use` and `login` call)
writes it, so looking a name up never edits the config behind anyone's back.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..advice import command
from ..config.names import profile_name
from ..config.read import AwsConfig, PlainProfile, Profile, SsoSession, load_config
from ..config.write import set_profile
from ..errors import (
    ConfigError,
    NoAccessError,
    NotAnSsoProfileError,
    NothingToSignInError,
    ProfileNotFoundError,
)
from ..runtime import Runtime
from ..signin.tokens import current_token
from .identity import account_names
from .portal import Portal


@dataclass(frozen=True)
class NewProfile:
    """A profile that ACCOUNT/ROLE needs and the config lacks; written only by ``add``."""

    name: str
    values: dict[str, str]

    def add(self, runtime: Runtime) -> Profile:
        set_profile(self.name, self.values, runtime)
        return load_config(runtime).profile(self.name)


def find_profile(spec: str | None, runtime: Runtime | None = None) -> Profile | NewProfile:
    """The profile ``spec`` names, or the one to add for ACCOUNT/ROLE; writes nothing."""
    runtime = runtime or Runtime()
    config = load_config(runtime)
    name = runtime.profile_name(spec)
    if name in config.profiles or "/" not in name:
        return config.profile(name)
    account, role = name.split("/", 1)
    return _by_account_and_role(account, role, config, runtime)


def resolve_profile(spec: str | None, runtime: Runtime | None = None) -> Profile:
    """The profile ``spec`` names; for ACCOUNT/ROLE with no profile yet, one is added."""
    runtime = runtime or Runtime()
    found = find_profile(spec, runtime)
    return found.add(runtime) if isinstance(found, NewProfile) else found


def _by_account_and_role(account: str, role: str, config: AwsConfig, runtime: Runtime
                         ) -> Profile | NewProfile:
    profiles = [p for p in config.sso_profiles()
                if p.has_role and p.role_arn is None and p.role_name == role]
    direct = [p for p in profiles if p.account_id == account]
    if direct:
        return direct[0]
    refused: tuple[str, list[str]] | None = None  # the account found, without that role
    for session in config.sessions():
        token = current_token(session, runtime=runtime)
        if token is None:
            continue
        portal = Portal(session, token.access_token, runtime=runtime)
        names = account_names(portal, token)
        ids = [i for i, n in names.items() if n == account] or (
            [account] if account in names else [])
        if not ids:
            continue
        account_id = ids[0]
        for profile in profiles:
            if profile.account_id == account_id and profile.sso == session:
                return profile
        granted = portal.roles(account_id)
        if role not in granted:
            refused = refused or (account_id, granted)
            continue
        if session.name is None:
            continue  # legacy sessions: leave adding profiles to `aws configure sso`
        return NewProfile(profile_name(role, account_id), {
            "sso_session": session.name, "sso_account_id": account_id, "sso_role_name": role,
            "region": session.region})
    if refused is not None:
        raise NoAccessError(refused[0], role, refused[1])
    raise ProfileNotFoundError(
        f"No profile for {account}/{role}.",
        f"Sign in to the sso-session that grants it first ({command('login PROFILE')}), or "
        "check the account name and role." if not any(
            current_token(s, runtime=runtime) for s in config.sessions())
        else "None of your signed-in sessions grants that role in that account.")



def sign_in_target(profile: str | None, sso_session: str | None, runtime: Runtime
                   ) -> Profile | SsoSession:
    """What `login PROFILE`, `login --sso-session NAME` and both together sign in to. Both
    together, as `aws sso login --sso-session NAME --profile P` allows: the profile, which
    must then be one of that sso-session's (else one line says whose it is)."""
    if sso_session is None:
        found = resolve_any(profile, runtime)
        if isinstance(found, PlainProfile):
            from ..config.plain_profiles import nothing_to_sign_in

            raise NothingToSignInError(nothing_to_sign_in(found))
        return found
    session = load_config(runtime).session(sso_session)
    if profile is None:
        return session
    found = resolve_profile(profile, runtime)
    if found.sso.cache_key != session.cache_key:
        raise ConfigError(f"The profile {found.name} signs in with {found.sso.label}, not with "
                          f"the sso-session {sso_session}.",
                          "Name the profile alone, or one of that sso-session's profiles.")
    return found


def resolve_any(spec: str | None, runtime: Runtime) -> Profile | PlainProfile:
    """A profile to bind or ask about: an SSO (or chained) one as resolve_profile finds it,
    else one whose credentials come from elsewhere (static keys, a credential_process...)."""
    try:
        return resolve_profile(spec, runtime)
    except (NotAnSsoProfileError, ProfileNotFoundError):  # the latter: keys alone, in the
        plain = load_config(runtime).plain(runtime.profile_name(spec))  # credentials file
        if plain is None:
            raise
        return plain
