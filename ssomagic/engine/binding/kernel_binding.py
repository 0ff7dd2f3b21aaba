"""The profile bound to this process: boto3's default session, and AWS_PROFILE and the region
for `!aws` and every subprocess, so every later cell just works.

Binding is observable (engine/binding/observable.py, traitlets' calling convention without the UI
library) so the widgets can follow it without the engine knowing about them; observers are
called after a change, with no lock held. Static-credential variables that would shadow the
profile are removed, with a warning that names them (never their values).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..config.read import PlainProfile, Profile
from .observable import Observable

if TYPE_CHECKING:
    from .env_export import EnvExport
from ..runtime import Runtime

STATIC_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION")


@dataclass(frozen=True)
class Snapshot:
    """What a binding changes, so that %%sso can put it all back."""

    profile: str | None
    default_session: Any
    environ: dict[str, str | None]
    exporting: bool = False  # %sso env was running for this profile: start it again


class KernelBinding(Observable):
    """Observable names: ``profile`` (the bound profile's name), ``last_profile`` (the one
    bound before an unbind) and ``changes`` (bumped on every bind, unbind or restore)."""

    def __init__(self, runtime: Runtime | None = None,
                 environ: MutableMapping[str, str] | None = None) -> None:
        super().__init__()
        self.profile: str | None = None
        self.last_profile: str | None = None
        self.changes = 0
        self.runtime = runtime or Runtime()
        self.environ = os.environ if environ is None else environ
        self._sessions: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.RLock()
        self._env_export: EnvExport | None = None

    @property
    def env_export(self) -> EnvExport:
        """%sso env's exporter for this binding (one per binding, made on first use)."""
        from .env_export import EnvExport

        with self._lock:
            if self._env_export is None:
                self._env_export = EnvExport(self)
            return self._env_export

    # ---- sessions ------------------------------------------------------------------------

    def session_for(self, profile: Profile | PlainProfile) -> Any:
        """One boto3 Session per profile and config version: switching back costs nothing."""
        from ..aws.boto_session import session_for

        if isinstance(profile, PlainProfile):
            key: tuple[Any, ...] = (profile.name, profile.kind, tuple(profile.values.items()))
        else:
            key = (profile.name, profile.sso, profile.account_id, profile.role_name,
                   profile.region, profile.chain, profile.role_arn)
        with self._lock:
            found = self._sessions.get(key)
            if found is None:
                found = session_for(profile, self.runtime)
                self._sessions[key] = found
            return found

    def forget_sessions(self) -> None:
        """Drop the sessions kept for switching back, leaving what a new kernel starts from
        (the role credentials cached on disk stay)."""
        with self._lock:
            self._sessions.clear()

    # ---- binding -------------------------------------------------------------------------

    def shadowing(self) -> list[str]:
        """The one shadowing rule: static-key variables in the environment that override any
        profile (botocore reads them first), except those our own export wrote."""
        ours = self._env_export.exported if self._env_export is not None else {}
        return [n for n in STATIC_VARS if n in self.environ and ours.get(n) != self.environ[n]]

    def bind(self, profile: Profile | PlainProfile) -> list[str]:
        """Bind the profile; returns warnings to show the user."""
        import boto3

        session = self.session_for(profile)
        warnings = []
        present = [name for name in STATIC_VARS if name in self.environ]
        shadowing = self.shadowing()
        for name in present:
            del self.environ[name]
        if shadowing:
            warnings.append(f"Removed {', '.join(shadowing)} from the environment: they would "
                            f"have overridden profile {profile.name}.")
        with self._lock:
            boto3.DEFAULT_SESSION = session
            self.environ["AWS_PROFILE"] = profile.name
            for name in REGION_VARS:
                if profile.region:
                    self.environ[name] = profile.region
                else:
                    self.environ.pop(name, None)
            changed = self._set(profile=profile.name)
        self._announce(changed)
        return warnings

    def unbind(self) -> None:
        import boto3

        with self._lock:
            boto3.DEFAULT_SESSION = None
            for name in ("AWS_PROFILE", *REGION_VARS):
                self.environ.pop(name, None)
            changed = self._set(last_profile=self.profile or self.last_profile, profile=None)
        self._announce(changed)

    def _set(self, **values: Any) -> list[tuple[str, Any, Any]]:
        """Set the values and bump ``changes``, under the lock; returns what to announce."""
        changed = []
        for name, value in values.items():
            old = getattr(self, name)
            if old != value:
                setattr(self, name, value)
                changed.append((name, old, value))
        self.changes += 1
        return [*changed, ("changes", self.changes - 1, self.changes)]

    def snapshot(self) -> Snapshot:
        import boto3

        exporting = self._env_export is not None and self._env_export.active
        names: tuple[str, ...] = ("AWS_PROFILE", *REGION_VARS)
        if not exporting:  # exported keys are written afresh on restore, never restored stale
            names += (*STATIC_VARS, "AWS_CREDENTIAL_EXPIRATION")
        return Snapshot(self.profile, boto3.DEFAULT_SESSION,
                        {n: self.environ.get(n) for n in names}, exporting)

    def restore(self, snapshot: Snapshot) -> None:
        import boto3

        with self._lock:
            boto3.DEFAULT_SESSION = snapshot.default_session
            for name, value in snapshot.environ.items():
                if value is None:
                    self.environ.pop(name, None)
                else:
                    self.environ[name] = value
            changed = self._set(profile=snapshot.profile)
        self._announce(changed)
        if snapshot.exporting and snapshot.profile is not None:
            self.env_export.start()

    @contextmanager
    def temporarily(self, profile: Profile | PlainProfile) -> Iterator[list[str]]:
        """Bind for the length of a block, then put everything back, also on an exception."""
        before = self.snapshot()
        try:
            yield self.bind(profile)
        finally:
            self.restore(before)


_binding: KernelBinding | None = None
_binding_lock = threading.Lock()


def kernel_binding() -> KernelBinding:
    """The process's binding, shared by the magics, the widgets and ssomagic.use()."""
    global _binding
    with _binding_lock:
        if _binding is None:
            _binding = KernelBinding()
        return _binding
