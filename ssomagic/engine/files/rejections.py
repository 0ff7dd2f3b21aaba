"""Sign-ins the server refused: remembered, so nobody reuses a token that will only fail.

An administrator can end a session, or the user sign out in the portal, long before the token
expires here; the portal then answers UnauthorizedException, a refresh invalid_grant. From then
on that token is dead: `login` starts a new device flow by itself, status says "rejected", and
every other command says to sign in again. The AWS CLI's files stay as the CLI writes them: the
memory is a file in ssomagic's own folder beside them (~/.aws/sso/ssomagic), holding a digest
of the token, never the token, so every process on the machine knows, and a new sign-in (a new
token) is never affected.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..config.read import SsoSession
from ..runtime import Runtime
from .atomic import atomic_write


def _digest(access_token: str) -> str:
    return hashlib.sha256(access_token.encode("utf-8")).hexdigest()


def _path(session: SsoSession | str, runtime: Runtime) -> Path:
    key = session if isinstance(session, str) else session.cache_key
    return runtime.own_cache_dir / f"rejected-{key}.json"


def remember(session: SsoSession, access_token: str, runtime: Runtime) -> None:
    """The server refused this token: nobody uses it again."""
    atomic_write(_path(session, runtime), json.dumps({"token_sha256": _digest(access_token)}))


def is_rejected(session: SsoSession, access_token: str, runtime: Runtime) -> bool:
    try:
        document = json.loads(_path(session, runtime).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and document.get("token_sha256") == _digest(access_token)


def forget(session: SsoSession | str, runtime: Runtime) -> None:
    """Logout: the token file is gone, and so is what was known about it. ``session`` may be
    the token file's cache key."""
    _path(session, runtime).unlink(missing_ok=True)
