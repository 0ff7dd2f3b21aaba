"""Signing out as `aws sso logout` does: end each session on the server (errors ignored),
delete its token file, keep the client registrations, and delete the SSO role credentials the
AWS CLI cached in ~/.aws/cli/cache.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..access.portal import Portal
from ..config.read import AwsConfig, SsoSession
from ..files import listing_cache, rejections, trust
from ..files.atomic import remove_leftovers
from ..files.cached_credentials import credentials_cache_key
from ..runtime import Runtime


@dataclass(frozen=True)
class LogoutReport:
    sessions: tuple[str, ...]
    credential_files: int

    def __str__(self) -> str:
        if not self.sessions:
            return "No SSO session was signed in."
        return f"Signed out of {', '.join(self.sessions)}."


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _end(path: Path, document: dict, runtime: Runtime, profile: str | None,
         session: SsoSession | None) -> None:
    """Logout on the server (errors ignored), then the token file and what ssomagic knew of it
    (a rejection, temp files a killed write left). The call goes to the start URL and region
    the token file records (only the portal that issued it can end it), in the quota of
    ``session``, the config's session for the file, when there is one."""
    ending = SsoSession(session.name if session is not None else None,
                        str(document.get("startUrl", "")),
                        str(document.get("region") or "us-east-1"))
    Portal(ending, str(document["accessToken"]), runtime=runtime, profile=profile).logout()
    path.unlink(missing_ok=True)
    remove_leftovers(path, older_than=0)
    rejections.forget(path.stem, runtime)
    listing_cache.forget(path.stem, runtime)


def _sso_credential_files(runtime: Runtime, only: set[str] | None) -> list[Path]:
    found = []
    for path in sorted(runtime.cli_cache_dir.glob("*.json")):  # none if there is no folder
        if only is not None and path.stem not in only:
            continue
        document = _read(path)
        if document is not None and document.get("ProviderType") == "sso":
            found.append(path)
    return found


def logout_all(runtime: Runtime, config: AwsConfig) -> LogoutReport:
    from .authorizations import forget_stopped

    trust.require(runtime.sso_cache_dir, runtime, "the SSO token cache")  # no token sent

    forget_stopped(None)  # allowing a stopped code after the logout must not sign in
    # The client settings of the profile in effect ($AWS_PROFILE, else default), as `aws sso
    # logout` takes them; none when the config has no such profile.
    in_effect = runtime.profile_name(None)
    profile = in_effect if in_effect in config.profiles else None
    known = {f"{s.cache_key}.json": s for s in config.sessions()}
    ended = []
    for path in sorted(runtime.sso_cache_dir.glob("*.json")):  # none if there is no folder
        document = _read(path)
        if document is None or "accessToken" not in document:
            continue  # registrations and unreadable files stay
        session = known.get(path.name)
        _end(path, document, runtime, profile, session)
        ended.append(session.label if session is not None
                     else str(document.get("startUrl", path.stem)))
    files = _sso_credential_files(runtime, None)
    for path in files:
        path.unlink(missing_ok=True)
    # Temp files killed writes left may hold a token or keys: none outlives a logout.
    for directory in (runtime.sso_cache_dir, runtime.cli_cache_dir, runtime.own_cache_dir):
        for leftover in directory.glob(".*.json.*.tmp"):
            leftover.unlink(missing_ok=True)
    for listing in runtime.own_cache_dir.glob("listing-*.json"):
        listing.unlink(missing_ok=True)
    return LogoutReport(tuple(ended), len(files))


def logout_session(session: SsoSession, runtime: Runtime, config: AwsConfig,
                   profile: str | None = None) -> LogoutReport:
    from .authorizations import forget_stopped

    forget_stopped(session)  # allowing a stopped code after the logout must not sign in
    trust.require(runtime.sso_cache_dir, runtime, "the SSO token cache")  # no token sent
    path = runtime.sso_cache_dir / f"{session.cache_key}.json"
    document = _read(path)
    ended: tuple[str, ...] = ()
    if document is not None and "accessToken" in document:
        _end(path, document, runtime, profile, session)
        ended = (session.label,)
    listing_cache.forget(session, runtime)
    keys = {credentials_cache_key(p.account_id, p.role_name, p.sso)
            for p in config.sso_profiles()
            if p.sso.cache_key == session.cache_key
            and p.account_id and p.role_name}
    files = _sso_credential_files(runtime, keys)
    for file in files:
        file.unlink(missing_ok=True)
        remove_leftovers(file, older_than=0)
    return LogoutReport(ended, len(files))
