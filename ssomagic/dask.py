"""The sign-in on a Dask cluster: when a notebook's work outgrows its machine it runs on
workers, which have no sign-in of their own.

``share(client)`` gives every current and future worker of a `distributed` cluster the
profile's role credentials (as the AWS_* variables every SDK reads, so boto3, s3fs, pyarrow and
DuckDB on the workers use them) through a worker plugin, and renews them before they expire by
registering the plugin again with fresh ones: no worker restarts. ``unshare(client)`` removes
them. The credentials travel to the workers over the cluster's own comms; on a shared
cluster, use a deployment whose comms are encrypted (TLS), as for any secret.

    import ssomagic.dask
    ssomagic.dask.share(client)             # the bound profile
    ssomagic.dask.share(client, "prod")
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from .engine.timing import REFRESH_WINDOW

PLUGIN = "ssomagic-credentials"
VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "AWS_CREDENTIAL_EXPIRATION")


class SsoCredentials(WorkerPlugin):
    """The credentials, set in each worker's environment at setup, removed at teardown."""

    name = PLUGIN

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def __repr__(self) -> str:  # the values are credentials
        return f"SsoCredentials(expires={self._values.get('AWS_CREDENTIAL_EXPIRATION')!r})"

    def setup(self, worker: Any) -> None:
        os.environ.update(self._values)
        import sys

        boto3 = sys.modules.get("boto3")
        if boto3 is not None:
            # A session made earlier would keep the old keys.
            boto3.DEFAULT_SESSION = None  # type: ignore[attr-defined]

    def teardown(self, worker: Any) -> None:
        for name in VARIABLES:
            os.environ.pop(name, None)


class Sharing:
    """A profile's credentials on a cluster, renewed in the background until ``stop()``."""

    def __init__(self, client: Any, profile: Any, runtime: Any) -> None:
        self.client, self.profile, self.runtime = client, profile, runtime
        self._stop = threading.Event()
        self.renewals = 0
        self.expires_at = self._push()
        self._thread = threading.Thread(target=self._renew, daemon=True,
                                        name="ssomagic-dask-renewal")
        self._thread.start()

    def __repr__(self) -> str:
        return f"Sharing(profile={self.profile.name!r}, expires_at={self.expires_at!r})"

    def _push(self) -> datetime | None:
        from .engine.aws.boto_session import session_for

        found = session_for(self.profile, self.runtime).get_credentials()
        frozen = found.get_frozen_credentials()
        expiry = getattr(found, "_expiry_time", None)
        values = {"AWS_ACCESS_KEY_ID": frozen.access_key,
                  "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
        if frozen.token:
            values["AWS_SESSION_TOKEN"] = frozen.token
        if isinstance(expiry, datetime):
            values["AWS_CREDENTIAL_EXPIRATION"] = expiry.astimezone(timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
        self.client.register_plugin(SsoCredentials(values), name=PLUGIN)
        return expiry if isinstance(expiry, datetime) else None

    def _renew(self) -> None:
        while not self._stop.is_set():
            if self.expires_at is None:
                return  # credentials that do not expire: nothing to renew
            due = self.expires_at - REFRESH_WINDOW - self.runtime.now()
            if self._stop.wait(max(0.5, due.total_seconds())):
                return
            try:
                self.expires_at = self._push()
                self.renewals += 1
            except Exception:  # signed out, cluster gone: try again in a while, quietly
                if self._stop.wait(30):
                    return
                self.expires_at = self.runtime.now() + REFRESH_WINDOW + timedelta(seconds=1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


_sharing: dict[int, Sharing] = {}
_lock = threading.Lock()


def share(client: Any, profile: str | None = None, *, runtime: Any = None) -> Sharing:
    """Give the cluster's workers the profile's credentials (the bound one by default) and
    keep them fresh; sharing again replaces what was shared."""
    from .engine.access.resolve import resolve_any
    from .engine.binding.kernel_binding import kernel_binding
    from .engine.runtime import Runtime

    runtime = runtime or Runtime()
    found = resolve_any(profile or kernel_binding().profile, runtime)
    unshare(client, quiet=True)
    sharing = Sharing(client, found, runtime)
    with _lock:
        _sharing[id(client)] = sharing
    return sharing


def unshare(client: Any, *, quiet: bool = False) -> None:
    """Stop renewing and remove the credentials from every worker."""
    with _lock:
        sharing = _sharing.pop(id(client), None)
    if sharing is None:
        return
    sharing.stop()
    client.unregister_worker_plugin(PLUGIN)
