"""The whole suite as a leak test: during every test, each log record of the AWS SDK and of
ssomagic (at DEBUG, botocore's and urllib3's own included), each error ssomagic or IPython
raises and each repr of an object of ssomagic's is captured; at its end, none may hold a
secret that an emulator issued in it.

Wired in by conftest.py. The instrumentation only watches: it wraps constructors to remember
what they made, and changes no behaviour.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import pkgutil
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import ssomagic

# The AWS SDK's loggers (every record of every client, ssomagic's and a user's own) and
# ssomagic's. Jupyter's own (nbclient, jupyter_client) log what a cell printed, and a test that
# plants a secret in a cell's output on purpose is about that output, not about a log.
WATCHED_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "ssomagic")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a record that does not format holds nothing readable
            return
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.texts.append(f"log {record.name}: {text}")


class LeakWatch:
    """Everything a person could see, per test, and the secrets issued meanwhile."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records = _Records()
        self.texts: list[str] = []
        self.alive: weakref.WeakSet[Any] = weakref.WeakSet()
        self.emulators: list[Any] = []

    # ---- what to watch -------------------------------------------------------------------

    def install(self) -> None:
        from IPython.core.error import UsageError

        from ssomagic.emulator.state import IdentityCenter
        from ssomagic.engine.errors import SsoMagicError

        for name in WATCHED_LOGGERS:
            logger = logging.getLogger(name)
            logger.addHandler(self.records)
            logger.setLevel(logging.DEBUG)
        self._after_init(IdentityCenter, lambda state: self.emulators.append(state))
        for error in (SsoMagicError, UsageError):
            self._after_init(error, lambda exc: self._saw(f"error {type(exc).__name__}: "
                                                          f"{exc} {exc!r}"))
        for cls in _ssomagic_classes():
            self._after_init(cls, self._made)

    def _after_init(self, cls: type, then: Any) -> None:
        original = cls.__init__

        @functools.wraps(original)
        def init(obj: Any, *args: Any, **kwargs: Any) -> None:
            original(obj, *args, **kwargs)
            then(obj)  # a subclass calling super().__init__ is seen twice: harmless

        cls.__init__ = init  # type: ignore[misc]

    def _made(self, obj: Any) -> None:
        self._saw(_repr(obj))
        try:
            with self.lock:
                self.alive.add(obj)
        except TypeError:  # no weak references (slots): its repr at birth is what there is
            pass

    def _saw(self, text: str) -> None:
        with self.lock:
            self.texts.append(text)

    # ---- per test ------------------------------------------------------------------------

    def start(self) -> None:
        with self.lock:
            self.texts.clear()
            self.alive = weakref.WeakSet()
            self.emulators.clear()
        self.records.texts.clear()

    def leaks(self) -> list[str]:
        """Where an issued secret was seen (the secret itself is never repeated)."""
        with self.lock:
            alive = list(self.alive)
            emulators = list(self.emulators)
            texts = list(self.texts)
        texts += [_repr(obj) for obj in alive]  # reprs now, after whatever the test set
        texts += self.records.texts
        secrets = {s for state in emulators for s in state.issued_secrets() if len(s) >= 16}
        found = []
        for text in texts:
            for secret in secrets:
                if secret in text:
                    found.append(text.replace(secret, "<SECRET>")[:300])
                    break
        return found


def _repr(obj: Any) -> str:
    try:
        return f"repr {type(obj).__qualname__}: {obj!r}"
    except Exception:  # a half-built object: nothing to show
        return ""


def _ssomagic_classes() -> Iterator[type]:
    """Every class ssomagic defines (the emulator and the test kit aside: they hand secrets
    out on purpose), each once."""
    seen: set[type] = set()
    for info in pkgutil.walk_packages(ssomagic.__path__, "ssomagic."):
        if info.name.startswith(("ssomagic.emulator", "ssomagic.testing", "ssomagic.notebooks")):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name and cls not in seen and not issubclass(
                    cls, BaseException) and "__init__" in cls.__dict__:
                seen.add(cls)
                yield cls


WATCH = LeakWatch()  # installed once by conftest.py
