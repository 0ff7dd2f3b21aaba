"""Temporary credentials in os.environ, for tools that cannot read SSO profiles (polars, some
Arrow and Spark builds): exported for the bound role, kept fresh while the binding lasts, and
removed when it changes.

A part of the KernelBinding (``binding.env_export``, one per binding), so %%sso's snapshot knows
whether an export was running and starts it again afterwards instead of restoring keys nothing
would renew, and the binding's shadowing rule knows which static keys are ours. The export
talks to the binding through its public face alone: the bound profile, its environment and
its observers. Fetching
credentials may take a network call, so it happens outside the lock; each start or stop moves
an epoch on, and a write whose epoch has passed is dropped: a stop during a background renewal
stays a stop.
"""

from __future__ import annotations

import threading
from collections.abc import MutableMapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..files.token_cache import format_time

if TYPE_CHECKING:
    from .kernel_binding import KernelBinding

EXPIRATION_VAR = "AWS_CREDENTIAL_EXPIRATION"
CHECK_EVERY = 30.0


class EnvExport:
    def __init__(self, binding: KernelBinding) -> None:
        self.binding = binding
        self.environ: MutableMapping[str, str] = binding.environ
        self.profile: str | None = None
        self.expires_at: datetime | None = None
        self._lock = threading.Lock()  # guards profile, expires_at, _exported, _epoch
        self._epoch = 0
        self._exported: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        binding.observe(self._binding_changed, names="changes")

    @property
    def active(self) -> bool:
        return self.profile is not None

    @property
    def exported(self) -> dict[str, str]:
        """The variables this export wrote and their values (a copy): the binding removes
        them without a warning, as nobody set them by hand."""
        with self._lock:
            return dict(self._exported)

    def start(self) -> datetime | None:
        """Export the bound role's credentials now; returns when they expire (None when a
        stop that raced this start removed them again, or they do not expire)."""
        with self._lock:
            if self.binding.profile is None:
                raise RuntimeError("no profile is bound")
            self.profile = self.binding.profile
            self._epoch += 1
            epoch = self._epoch
        written = self._write(epoch)
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._keep_fresh, daemon=True,
                                            name="ssomagic-env-export")
            self._thread.start()
        return written

    def _write(self, epoch: int) -> datetime | None:
        """Write the current credentials (botocore renews them when due) into the environ."""
        import boto3

        credentials: Any = boto3.DEFAULT_SESSION.get_credentials()
        frozen = credentials.get_frozen_credentials()
        expires_at = getattr(credentials, "expiry", None)
        values = {"AWS_ACCESS_KEY_ID": frozen.access_key,
                  "AWS_SECRET_ACCESS_KEY": frozen.secret_key,
                  "AWS_SESSION_TOKEN": frozen.token or ""}
        if expires_at is not None:
            values[EXPIRATION_VAR] = format_time(expires_at)
        with self._lock:
            if epoch != self._epoch or self.profile is None:
                return None  # stopped or restarted while the credentials were fetched
            for name, value in values.items():
                self.environ[name] = value
            self._exported = values
            self.expires_at = expires_at
            return expires_at

    def stop(self) -> None:
        """Remove what was exported (unless someone changed it since)."""
        self._stop.set()
        with self._lock:
            self._epoch += 1
            for name, value in self._exported.items():
                if self.environ.get(name) == value:
                    del self.environ[name]
            self._exported = {}
            self.profile = None
            self.expires_at = None

    def _keep_fresh(self) -> None:
        while not self._stop.wait(CHECK_EVERY):
            with self._lock:
                epoch, active = self._epoch, self.profile is not None
            if active:
                try:
                    self._write(epoch)
                except Exception:  # a failed renewal leaves the old values in place
                    continue

    def _binding_changed(self, change: dict[str, Any]) -> None:
        if not self.active:
            return
        if self.binding.profile != self.profile:
            self.stop()
        else:  # the same profile bound again: binding removed our variables, put them back
            self.start()
