"""A sign-in's listing of accounts and roles, kept in a file every process of the user reads.

A large org costs minutes of the portal's quota to list (5,000 accounts at 20 calls a second is
over four minutes), so it is listed once per sign-in, not once per kernel: `populate`, the
picker, `%sso accounts` and ACCOUNT/ROLE in any kernel or terminal reuse it. The file is
ssomagic's own (under ~/.aws/sso/ssomagic, 0600, written atomically), holds no secret (the
sign-in is named by a digest of its token, as a rejection is), and is dropped by logout; a new
sign-in or a refreshed token has another digest, so it lists again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..access.portal import AccountInfo, AccountRoles
from ..config.read import SsoSession
from ..errors import LocalStateError
from ..runtime import Runtime
from ..timing import LISTING_MAX_AGE
from . import trust
from .atomic import atomic_write, remove_leftovers

VERSION = 1


@dataclass(frozen=True)
class Listing:
    accounts: tuple[AccountInfo, ...]
    roles: dict[str, tuple[str, ...]] | None  # None: only the accounts were listed

    def account_roles(self) -> list[AccountRoles] | None:
        if self.roles is None:
            return None
        return [AccountRoles(a, self.roles.get(a.account_id, ())) for a in self.accounts]


def _sign_in(access_token: str) -> str:
    return hashlib.sha256(access_token.encode("utf-8")).hexdigest()


def path(session: SsoSession | str, runtime: Runtime) -> Path:
    key = session if isinstance(session, str) else session.cache_key
    return runtime.own_cache_dir / f"listing-{key}.json"


def read(session: SsoSession, access_token: str, runtime: Runtime) -> Listing | None:
    """The listing this sign-in made, if it is young enough; anything else counts as none."""
    if trust.problem(runtime.own_cache_dir, runtime) is not None:
        return None  # a planted listing could put profiles in the config: list instead
    try:
        document = json.loads(trust.read_text(path(session, runtime)))
        if (not isinstance(document, dict) or document.get("version") != VERSION
                or document.get("signIn") != _sign_in(access_token)):
            return None
        listed_at = datetime.fromisoformat(str(document["listedAt"]))
        if runtime.now() - listed_at > LISTING_MAX_AGE or listed_at > runtime.now():
            return None
        accounts = tuple(AccountInfo(str(a["id"]), str(a["name"]), str(a.get("email", "")))
                         for a in document["accounts"])
        raw_roles = document.get("roles")
        roles = None if raw_roles is None else {
            str(k): tuple(str(r) for r in v) for k, v in raw_roles.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing, being replaced by another writer, or not ours: list again
    return Listing(accounts, roles)


def write(session: SsoSession, access_token: str, runtime: Runtime,
          accounts: list[AccountInfo], roles: dict[str, tuple[str, ...]] | None = None) -> None:
    document = {
        "version": VERSION,
        "session": session.label,
        "signIn": _sign_in(access_token),
        "listedAt": runtime.now().astimezone(timezone.utc).isoformat(),
        "accounts": [{"id": a.account_id, "name": a.name, "email": a.email} for a in accounts],
        "roles": None if roles is None else {k: list(v) for k, v in roles.items()},
    }
    # A cache: if it cannot be written, the listing itself still succeeded; the next command
    # lists again.
    if trust.problem(runtime.own_cache_dir, runtime) is not None:
        return
    with contextlib.suppress(OSError, LocalStateError):
        atomic_write(path(session, runtime), json.dumps(document, separators=(",", ":")))


def forget(session: SsoSession | str, runtime: Runtime) -> None:
    """Logout: ``session`` may be the token file's cache key."""
    target = path(session, runtime)
    target.unlink(missing_ok=True)
    remove_leftovers(target, older_than=0)
