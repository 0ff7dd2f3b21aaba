"""Whether each sso-session is signed in, and for how long, read from the cache alone (no
network), so it is cheap enough to show on every notebook start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..advice import command
from ..config.read import SsoSession
from ..files import rejections
from ..files.token_cache import TokenCache, format_time
from ..runtime import Runtime
from ..timing import format_duration


@dataclass(frozen=True)
class SessionStatus:
    session: str
    start_url: str
    region: str
    state: str  # "signed in" | "expired" | "signed out" | "rejected" | "unreadable"
    expires_at: datetime | None = None
    as_of: datetime | None = None  # when the cache was read: a status is a reading, as a card
    refreshable: bool = False
    problem: str | None = None

    @property
    def seconds_left(self) -> float:
        """Left at the reading (derived, so it can never disagree with expires_at)."""
        if self.expires_at is None or self.as_of is None:
            return 0.0
        return max(0.0, (self.expires_at - self.as_of).total_seconds())

    @property
    def signed_in(self) -> bool:
        return self.state == "signed in"

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(str(self))  # type: ignore[attr-defined]

    def __str__(self) -> str:
        if self.state == "signed in" and self.expires_at is not None:
            detail = (f", {format_duration(self.seconds_left)} left "
                      f"(until {format_time(self.expires_at)})")
        elif self.state == "expired" and self.expires_at is not None:
            detail = f" at {format_time(self.expires_at)}" + (
                "; the next use refreshes it" if self.refreshable else "")
        elif self.problem:
            detail = f": {self.problem}"
            if self.state == "rejected":
                detail += (f" ({command(f'login --sso-session {self.session}')})"
                           if "://" not in self.session else "")
        else:
            detail = ""
        return f"{self.session}: {self.state}{detail}"


def session_status(session: SsoSession, runtime: Runtime) -> SessionStatus:
    cache = TokenCache(runtime)
    base: dict[str, Any] = {"session": session.label, "start_url": session.start_url,
                            "region": session.region}
    problem = cache.token_problem(session)
    if problem is not None:
        return SessionStatus(**base, state="unreadable", problem=problem)
    token = cache.load_token(session)
    if token is None:
        return SessionStatus(**base, state="signed out")
    if rejections.is_rejected(session, token.access_token, runtime):
        return SessionStatus(**base, state="rejected", expires_at=token.expires_at,
                             problem="the server ended this sign-in; sign in again")
    now = runtime.now()
    return SessionStatus(**base, state="signed in" if token.remaining(now).total_seconds() > 0
                         else "expired", expires_at=token.expires_at, as_of=now,
                         refreshable=token.refreshable)
