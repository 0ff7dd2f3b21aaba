"""Where ssomagic finds HOME, the environment, the clock, sleep and the back-off's chance.

Everything that depends on time or on the user's home directory takes a Runtime, the way
botocore's token provider takes a ``time_fetcher``, so tests of expiry, refresh and polling
run in milliseconds against a temporary HOME instead of minutes against the real ~/.aws.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Runtime:
    home: Path = field(default_factory=lambda: Path(os.path.expanduser("~")))
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    now: Callable[[], datetime] = utc_now
    sleep: Callable[[float], object] | None = None
    # The share of each back-off delay taken (full jitter: 0 to 1). Random, so that clients
    # failing together do not retry together; a test fixes it to know when each try comes.
    jitter: Callable[[], float] = random.random

    def wait(self, seconds: float, cancel: threading.Event | None = None) -> None:
        """Sleep, or let an injected sleep pass the time; a real wait ends early on cancel."""
        if self.sleep is not None:
            self.sleep(seconds)
        elif cancel is not None:
            cancel.wait(seconds)
        else:
            time.sleep(seconds)

    @property
    def config_file(self) -> Path:
        """$AWS_CONFIG_FILE, else ~/.aws/config, as botocore resolves it."""
        return self._aws_file("AWS_CONFIG_FILE", "config")

    @property
    def credentials_file(self) -> Path:
        """$AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials, as botocore resolves it."""
        return self._aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")

    def _aws_file(self, variable: str, name: str) -> Path:
        configured = self.environ.get(variable)
        return self._expand(configured) if configured else self.home / ".aws" / name

    @property
    def sso_cache_dir(self) -> Path:
        """Hard-coded under HOME by the AWS CLI and botocore: no setting moves it."""
        return self.home / ".aws" / "sso" / "cache"

    @property
    def own_cache_dir(self) -> Path:
        """ssomagic's own files (listings), beside the CLI's cache, never among its files."""
        return self.home / ".aws" / "sso" / "ssomagic"

    @property
    def cli_cache_dir(self) -> Path:
        """Where the AWS CLI keeps role credentials it fetched with an SSO token."""
        return self.home / ".aws" / "cli" / "cache"

    def profile_name(self, profile: str | None) -> str:
        """``None`` means $AWS_PROFILE, else ``default``, as for every AWS tool."""
        return profile or self.environ.get("AWS_PROFILE") or self.environ.get(
            "AWS_DEFAULT_PROFILE") or "default"

    def _expand(self, path: str) -> Path:
        if path == "~" or path.startswith("~/"):
            return self.home / path[2:]
        return Path(os.path.expandvars(path))
