"""Rendering sign-in events as text, the way `aws sso login --no-browser` prints them, for the
console script and for Python code run outside a notebook.
"""

from __future__ import annotations

import sys
from typing import TextIO

from .engine.events import CodeReady, Event, Failed, SignedIn, WaitingForOtherLogin
from .engine.token_cache import format_time


class ConsoleListener:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def __call__(self, event: Event) -> None:
        out = self.stream or sys.stdout
        if isinstance(event, CodeReady):
            if event.warning:
                print(f"WARNING: {event.warning}", file=out, flush=True)
            print("Browser will not be automatically opened.\n"
                  "Please visit the following URL:\n\n"
                  f"{event.verification_uri}\n\n"
                  "Then enter the code:\n\n"
                  f"{event.user_code}\n\n"
                  "Alternatively, you may visit the following URL which will autofill the code "
                  f"upon loading:\n{event.verification_uri_complete}\n"
                  f"(the code expires at {format_time(event.expires_at)})", file=out, flush=True)
        elif isinstance(event, WaitingForOtherLogin):
            print(f"Another sign-in to {event.session} is in progress; waiting for it.",
                  file=out, flush=True)
        elif isinstance(event, SignedIn):
            how = "Already signed in to" if event.reused else "Successfully signed in to"
            print(f"{how} {event.session} (until {format_time(event.expires_at)}).",
                  file=out, flush=True)
        elif isinstance(event, Failed):
            pass  # the error itself is raised to the caller, which reports it once
