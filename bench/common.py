"""What every benchmark needs: an isolated HOME (never the real ~/.aws, no AWS_* inherited),
the demo config, and an emulator with a signed-in session."""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path


def isolate() -> Path:
    home = Path(tempfile.mkdtemp(prefix="ssomagic-bench-"))
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ["HOME"] = str(home)
    os.environ["AWS_CONFIG_FILE"] = str(home / ".aws" / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(home / ".aws" / "credentials")
    return home


def demo_home() -> Path:
    """An isolated HOME holding the demo config (profiles dev, prod, sandbox)."""
    home = isolate()
    from ssomagic import configure
    from ssomagic.demo import prepare_home
    from ssomagic.engine.config.write import set_profile

    os.environ.update({k: v for k, v in prepare_home(home).items() if k.startswith(
        ("AWS_", "HOME", "JUPYTER", "IPYTHON"))})
    configure("https://d-1234567890.awsapps.com/start", region="us-east-1", session="demo")
    for name, account, role, region in (("dev", "111122223333", "DataScientist", "eu-west-1"),
                                        ("prod", "444455556666", "ReadOnlyAccess", "eu-west-1"),
                                        ("sandbox", "777788889999", "AdministratorAccess",
                                         "us-east-1")):
        set_profile(name, {"sso_session": "demo", "sso_account_id": account,
                           "sso_role_name": role, "region": region})
    return home


def approve_all(emulator, stop: threading.Event, delay: float = 0.0) -> threading.Thread:
    """A person approving every code shown, after ``delay`` seconds."""

    def run() -> None:
        while not stop.wait(0.005):
            for code in emulator.state.pending_user_codes():
                time.sleep(delay)
                emulator.state.decide(code, approve=True)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000
