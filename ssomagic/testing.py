"""A pytest plugin: an IAM Identity Center emulator for a team's own tests, no AWS account.

Installed with ssomagic (entry point ``pytest11``), it gives every test the ``sso_emulator``
fixture: an emulator on a free loopback port, a temporary HOME with its own AWS config, no AWS_*
variable inherited, the endpoint variables set so botocore, boto3, the AWS CLI and ssomagic all
talk to it, and everything stopped and put back afterwards::

    def test_our_notebook_runs(sso_emulator):
        sso_emulator.configure({"analyst": "analytics-dev/DataScientist"})
        with sso_emulator.approving():
            ssomagic.login("analyst")
        assert ssomagic.whoami("analyst").account_id == "111122223333"

Override the ``sso_org`` fixture to serve your own accounts and roles (an ``Org``, or the path
of an org JSON file), and ``sso_home`` to choose the HOME.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .emulator import Emulator, Org

START_URL = "https://d-1234567890.awsapps.com/start"
REGION = "us-east-1"


class SsoEmulator:
    """The running emulator, its HOME, and the few things a test does with it."""

    def __init__(self, emulator: Emulator, home: Path) -> None:
        self.emulator = emulator
        self.home = home
        self.url = emulator.url
        self.state = emulator.state
        self.start_url = START_URL
        self.region = REGION

    @property
    def env(self) -> dict[str, str]:
        """The variables a subprocess (a kernel, the AWS CLI) needs to use this emulator."""
        return {"HOME": str(self.home), "AWS_CONFIG_FILE": str(self.config_file),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.home / ".aws" / "credentials"),
                **self.emulator.endpoint_env()}

    @property
    def config_file(self) -> Path:
        return self.home / ".aws" / "config"

    def approve(self) -> list[str]:
        """Allow every sign-in code waiting now; returns the codes."""
        codes = self.state.pending_user_codes()
        for code in codes:
            self.state.decide(code, approve=True)
        return codes

    def deny(self) -> list[str]:
        codes = self.state.pending_user_codes()
        for code in codes:
            self.state.decide(code, approve=False)
        return codes

    @contextmanager
    def approving(self, delay: float = 0.0) -> Iterator[SsoEmulator]:
        """A person who allows every code shown, ``delay`` seconds after it appears."""
        stop = threading.Event()

        def person() -> None:
            while not stop.wait(0.02):
                if self.state.pending_user_codes() and not stop.wait(delay):
                    self.approve()

        thread = threading.Thread(target=person, name="sso-emulator-approver", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

    def configure(self, profiles: Mapping[str, str] | None = None, *,
                  session: str = "emulator", region: str | None = None) -> None:
        """An [sso-session] for the emulator and, for each NAME: "ACCOUNT/ROLE", a profile."""
        from .engine.config.configure import configure, profile_values, write
        from .engine.runtime import Runtime

        runtime = Runtime(home=self.home, environ=os.environ)
        sso = configure(self.start_url, region=self.region, session=session,
                        runtime=runtime).session
        names = {a.name: a.id for a in self.state.org.accounts}
        chosen = {}
        for name, spec in (profiles or {}).items():
            account, role = spec.split("/", 1)
            chosen[name] = profile_values(sso, names.get(account, account), role,
                                          region=region, output=None)
        write(sso, chosen, runtime=runtime)


@pytest.fixture
def sso_org() -> Org | str | None:
    """The org the emulator serves: None for the built-in one, an Org, or a JSON file path."""
    return None


@pytest.fixture
def sso_home(tmp_path: Path) -> Path:
    home = tmp_path / "sso-home"
    home.mkdir()
    return home


@pytest.fixture
def sso_emulator(sso_home: Path, sso_org: Any, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[SsoEmulator]:
    """An emulator on loopback and a private HOME pointed at it, for the test's length."""
    org = Org.load(Path(sso_org)) if isinstance(sso_org, (str, os.PathLike)) else sso_org
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    with Emulator(org) as emulator:
        running = SsoEmulator(emulator, sso_home)
        for name, value in running.env.items():
            monkeypatch.setenv(name, value)
        yield running
