"""One device flow per sso-session across processes and threads.

A lock file sits in ssomagic's own folder beside the token cache (~/.aws/sso/ssomagic). A
second login for the same session waits for the first and then reuses the token it wrote
instead of opening another authorization.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout

from ..config.read import SsoSession
from ..errors import LoginCancelledError
from ..runtime import Runtime
from . import trust
from .atomic import private_dir

POLL = 0.1


class SessionLock:
    def __init__(self, session: SsoSession, runtime: Runtime) -> None:
        directory = runtime.own_cache_dir
        trust.require(directory, runtime, "sign-in locks")
        private_dir(directory)
        self.path = directory / f"session-{session.cache_key}.lock"
        trust.not_a_link(self.path, "locks")
        self._lock = FileLock(str(self.path), mode=0o600, thread_local=False)

    def try_acquire(self) -> bool:
        try:
            self._lock.acquire(timeout=0)
            return True
        except Timeout:
            return False

    def acquire(self, timeout: float) -> bool:
        """Wait up to ``timeout`` real seconds: the holder is another process or thread."""
        try:
            self._lock.acquire(timeout=timeout)
            return True
        except Timeout:
            return False

    def release(self) -> None:
        self._lock.release()

    @contextmanager
    def held(self, *, cancel: threading.Event | None = None,
             on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
        """Hold the lock; yields whether another holder had to be waited for. ``on_wait`` is
        called at every poll while waiting (it decides itself what is worth saying)."""
        waited = False
        while True:
            try:
                self._lock.acquire(timeout=0 if not waited else POLL)
                break
            except Timeout:
                if on_wait is not None:
                    on_wait()
                waited = True
                if cancel is not None and cancel.is_set():
                    raise LoginCancelledError() from None
        try:
            yield waited
        finally:
            self._lock.release()
