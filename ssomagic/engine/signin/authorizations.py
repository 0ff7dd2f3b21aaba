"""The device authorizations of this process, per sso-session (and cache directory: one
process may serve several homes).

A running one is shown again to a second sign-in to the same session (a re-run cell, a
button): one device flow per session, one code. A stopped one (an interrupted cell, a Cancel)
is still valid on the server, whose page says "approved" to whoever allows it, so the next
sign-in polls it instead of starting another, and that approval signs in. The device code is
a credential until it expires: kept in memory only, never shown.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from ..config.read import SsoSession
from ..events import CodeReady
from ..files.token_cache import Registration
from ..runtime import Runtime

# A stopped code is taken up again only with this much of its life left.
RESUME_MARGIN = timedelta(seconds=15)


@dataclass(frozen=True)
class Authorization:
    code: CodeReady
    device_code: str = field(repr=False)
    registration: Registration = field(repr=False)


class Authorizations:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: dict[tuple[str, str], tuple[Authorization, bool]] = {}  # (it, running)

    @staticmethod
    def _key(session: SsoSession, runtime: Runtime) -> tuple[str, str]:
        return str(runtime.sso_cache_dir), session.cache_key

    def started(self, session: SsoSession, runtime: Runtime, it: Authorization) -> None:
        with self._lock:
            self._found[self._key(session, runtime)] = (it, True)

    def stopped(self, session: SsoSession, runtime: Runtime) -> CodeReady | None:
        """The running authorization is kept for the next sign-in; returns its code."""
        with self._lock:
            found = self._found.get(self._key(session, runtime))
            if found is None:
                return None
            self._found[self._key(session, runtime)] = (found[0], False)
            return found[0].code

    def ended(self, session: SsoSession, runtime: Runtime) -> None:
        with self._lock:
            self._found.pop(self._key(session, runtime), None)

    def running_code(self, session: SsoSession, runtime: Runtime) -> CodeReady | None:
        with self._lock:
            found = self._found.get(self._key(session, runtime))
        return found[0].code if found is not None and found[1] else None

    def stopped_one(self, session: SsoSession, runtime: Runtime, *, take: bool = False
                    ) -> Authorization | None:
        """The stopped authorization while approving it can still sign in (``take``: and it
        is no longer kept)."""
        with self._lock:
            found = self._found.get(self._key(session, runtime))
            if found is None or found[1]:
                return None
            if take:
                del self._found[self._key(session, runtime)]
        it, now = found[0], runtime.now()
        if it.code.expires_at - now < RESUME_MARGIN or it.registration.expires_at <= now:
            return None
        return it

    def forget(self, session: SsoSession | None) -> None:
        """Drop the stopped ones of ``session``, or all (a logout: approving one must not sign
        anyone back in). Running ones end with their flow."""
        with self._lock:
            for key in [k for k, (_, running) in self._found.items() if not running
                        and (session is None or k[1] == session.cache_key)]:
                del self._found[key]


authorizations = Authorizations()


def stopped_code(session: SsoSession, runtime: Runtime | None = None) -> CodeReady | None:
    """The code a stopped sign-in to ``session`` left, while approving it can still sign in."""
    found = authorizations.stopped_one(session, runtime or Runtime())
    return found.code if found is not None else None


def forget_stopped(session: SsoSession | None) -> None:
    authorizations.forget(session)


def stopped_note(code: CodeReady, runtime: Runtime, command: str = "login") -> str:
    """What becomes of a code whose sign-in was stopped: approving it still counts, at the next
    ``command`` (as the front end names it)."""
    from ..timing import format_duration

    left = format_duration(max(0.0, (code.expires_at - runtime.now()).total_seconds()))
    return (f"Code {code.user_code} stays valid for {left}: if you allow access anyway, the "
            f"next {command} signs in with it, without a new code.")
