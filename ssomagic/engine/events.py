"""What a sign-in reports while it runs. The engine emits these; the console, the magics and
the widgets each render them their own way. None of them carries a token or a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CodeReady:
    """Show the person where to go and which code to confirm."""

    session: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_at: datetime
    interval: float
    # Set when the page is neither on an AWS sign-in host nor on the configured endpoint: a
    # device code sent there could be phished. Shown beside the code, never hidden.
    warning: str | None = None


@dataclass(frozen=True)
class StillWaiting:
    """The person has not approved yet; ``seconds_left`` until the code expires."""

    session: str
    seconds_left: float


@dataclass(frozen=True)
class WaitingForOtherLogin:
    """Another process or thread is signing in to the same sso-session; its token will do."""

    session: str


@dataclass(frozen=True)
class SignedIn:
    session: str
    expires_at: datetime
    reused: bool = False


@dataclass(frozen=True)
class Failed:
    """``reason`` is one of expired, denied, cancelled, error; ``message`` says what to do."""

    session: str
    reason: str
    message: str


@dataclass(frozen=True)
class BrowserSignIn:
    """One-click sign-in (PKCE): open this page and allow access; nothing to compare. The URL
    carries no secret (the code challenge, not the verifier; a state, checked on return)."""

    session: str
    url: str
    expires_at: datetime
    # Opened in a browser by the front end that emitted the event? (the console, as the CLI)
    opened: bool = False


Event = CodeReady | BrowserSignIn | StillWaiting | WaitingForOtherLogin | SignedIn | Failed
Listener = Callable[[Event], None]


def ignore(event: Event) -> None:
    """The listener used when the caller wants no progress reports."""
