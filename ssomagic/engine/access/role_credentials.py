"""Role credentials for a profile, cached where the AWS CLI caches them, and a botocore
credentials object that picks up a new sign-in at once.

botocore's own SSO credentials keep the token they loaded and retry at most once a minute, so a
kernel whose token expired keeps failing after the user signs in again, until a restart. These
credentials read the token file on every fetch, and refetch as soon as a sign-in happens in this
process (or the cached role credentials expire), so existing clients recover by themselves.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from ..aws import gateway
from ..config.read import Profile, SsoSession
from ..files import trust
from ..files.atomic import atomic_write
from ..files.cached_credentials import cached, path_for
from ..files.token_cache import format_time, parse_time
from ..runtime import Runtime
from ..signin.tokens import current_token
from .portal import Portal, not_signed_in


class CredentialGeneration:
    """Counters that move on with each sign-in to an sso-session, and with each refusal of a
    profile's role credentials, in this process: role credentials fetched in an older
    generation of their session or of their profile are fetched again on their next use, and
    no others (a sign-in to one session leaves another's credentials alone)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int] = {}

    def advance(self, key: str) -> None:
        with self._lock:
            self._values[key] = self._values.get(key, 0) + 1

    def of(self, *keys: str) -> tuple[int, ...]:
        with self._lock:
            return tuple(self._values.get(k, 0) for k in keys)


_generation = CredentialGeneration()


def _keys(profile: Profile) -> tuple[str, str]:
    return (f"session:{profile.sso.cache_key}", f"profile:{profile.name}")


def new_sign_in(session: SsoSession) -> None:
    """Called by the engine after every sign-in: that session's credentials in use refetch on
    their next use."""
    _generation.advance(f"session:{session.cache_key}")


def credentials_refused(profile: Profile) -> None:
    """STS refused this profile's cached role credentials: every client on them refetches."""
    _generation.advance(_keys(profile)[1])


def generation(profile: Profile) -> tuple[int, ...]:
    return _generation.of(*_keys(profile))


class RoleCredentialFetcher:
    """Fetches a profile's role credentials: the CLI cache first, then the portal."""

    def __init__(self, profile: Profile, runtime: Runtime | None = None) -> None:
        self.account_id, self.role_name = profile.require_role("role credentials")
        self.profile = profile
        self.runtime = runtime or Runtime()
        self.path: Path = path_for(profile, self.runtime)

    def cached(self) -> dict[str, Any] | None:
        """The cached credentials when they may be reused (cached_credentials.cached)."""
        return cached(self.profile, self.runtime)

    def fetch(self, *, use_cache: bool = True) -> dict[str, Any]:
        """botocore's credential metadata (access_key, secret_key, token, expiry_time)."""
        if use_cache:
            found = self.cached()
            if found is not None:
                return found
        sso = self.profile.sso
        with gateway.action(self.runtime):  # the renewal and GetRoleCredentials: one minute
            token = current_token(sso, runtime=self.runtime, profile=self.profile.name)
            if token is None:
                raise not_signed_in(sso, self.profile.name, self.runtime)
            portal = Portal(sso, token.access_token, runtime=self.runtime,
                            profile=self.profile.name)
            creds = portal.role_credentials(self.account_id, self.role_name)
        expiration = format_time(creds.expiration)
        trust.require(self.path.parent, self.runtime, "cached role credentials")
        atomic_write(self.path, json.dumps({"ProviderType": "sso", "Credentials": {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": expiration,
        }}))
        return {"access_key": creds.access_key_id, "secret_key": creds.secret_access_key,
                "token": creds.session_token, "expiry_time": expiration}


def refreshable_credentials(profile: Profile, runtime: Runtime | None = None) -> Any:
    """A botocore RefreshableCredentials for the profile that notices new sign-ins."""
    from botocore.credentials import RefreshableCredentials

    fetcher = RoleCredentialFetcher(profile, runtime)

    class SsoRoleCredentials(RefreshableCredentials):
        profile_name = profile.name  # lets an explanation name the profile of a failed call

        def __init__(self) -> None:
            self._seen_generation = generation(profile)
            metadata = fetcher.fetch()
            super().__init__(
                access_key=metadata["access_key"], secret_key=metadata["secret_key"],
                token=metadata["token"], expiry_time=parse_time(metadata["expiry_time"]),
                refresh_using=self._refetch, method="sso",
                time_fetcher=fetcher.runtime.now)

        def _refetch(self) -> dict[str, Any]:
            now = generation(profile)
            fresh_sign_in, self._seen_generation = self._seen_generation != now, now
            return fetcher.fetch(use_cache=not fresh_sign_in)

        def refresh_needed(self, refresh_in: int | None = None) -> bool:
            if self._seen_generation != generation(profile):
                return True
            return bool(super().refresh_needed(refresh_in))

        @property
        def expiry(self) -> datetime:
            return self._expiry_time

        def __repr__(self) -> str:
            return f"SsoRoleCredentials(profile={profile.name!r})"

    return SsoRoleCredentials()
