"""Rendering sign-in events as text, the way `aws sso login --no-browser` prints them, for the
console script and for Python code run outside a notebook.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from ..engine.events import BrowserSignIn, CodeReady, Event, Failed, SignedIn, WaitingForOtherLogin
from ..engine.files.token_cache import format_time


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
        elif isinstance(event, BrowserSignIn):
            opened = ("Attempting to automatically open the SSO authorization page in your "
                      "default browser.\nIf the browser does not open or you wish to use a "
                      "different device to authorize this request, open the following URL:"
                      if event.opened else "Open the following URL in a browser on this "
                      "machine:")
            print(f"{opened}\n\n{event.url}\n\n(waiting until "
                  f"{format_time(event.expires_at)}; if the browser is on another machine, "
                  "stop with Ctrl-C and sign in with --use-device-code)", file=out,
                  flush=True)
        elif isinstance(event, WaitingForOtherLogin):
            print(f"Another sign-in to {event.session} is in progress; waiting for it.",
                  file=out, flush=True)
        elif isinstance(event, SignedIn):
            how = "Already signed in to" if event.reused else "Successfully signed in to"
            print(f"{how} {event.session} (until {format_time(event.expires_at)}).",
                  file=out, flush=True)
        elif isinstance(event, Failed):
            pass  # the error itself is raised to the caller, which reports it once


class ProgressLine:
    """A long listing's progress in a terminal: one line rewritten in place on a tty, a line
    every PLAIN_EVERY seconds in a log (so a CI job shows life), gone when it ends."""

    TTY_EVERY = 0.2
    PLAIN_EVERY = 10.0

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.tty = stream.isatty()
        self._lock = threading.Lock()
        self._last = clock()
        self._shown = False

    def show(self, progress: object) -> None:
        with self._lock:
            now = self.clock()
            if now - self._last < (self.TTY_EVERY if self.tty else self.PLAIN_EVERY):
                return
            self._last = now
            if self.tty:
                self.stream.write(f"\r\033[K{progress}")
            else:
                self.stream.write(f"{progress}\n")
            self.stream.flush()
            self._shown = True

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._shown and self.tty:
                self.stream.write("\r\033[K")
                self.stream.flush()
            self._last = float("inf")  # a straggling worker's update comes after the end
