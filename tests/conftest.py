"""Every test runs in a temporary HOME with its own config file, no AWS_* variable inherited,
and a fresh IAM Identity Center emulator on loopback that real boto3 clients talk to.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Before anything imports botocore (which fixes its cache paths from HOME at import time), and
# before any AWS_* variable can leak in from the machine running the tests.
_SESSION_HOME = tempfile.mkdtemp(prefix="ssomagic-tests-home-")
for _name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[_name]
os.environ["HOME"] = _SESSION_HOME
os.environ["AWS_CONFIG_FILE"] = os.path.join(_SESSION_HOME, ".aws", "config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(_SESSION_HOME, ".aws", "credentials")

import pytest  # noqa: E402

pytest_plugins = ["pytester"]
from helpers import CONFIG, FakeClock, HostProbe  # noqa: E402
from leak_watch import WATCH  # noqa: E402

from ssomagic.emulator import Emulator  # noqa: E402
from ssomagic.engine.aws import log_redaction, rate_limit  # noqa: E402
from ssomagic.engine.runtime import Runtime  # noqa: E402

WATCH.install()
# As in a kernel where %load_ext ssomagic ran: the SDK's records are redacted from the first
# test on, whichever runs first (test_log_redaction.py tests the installing itself).
log_redaction.install()


@pytest.fixture(autouse=True)
def no_secret_seen() -> Iterator[None]:
    """Whatever else it checks, every test also checks that no secret an emulator issued
    during it reached a log record, an error message or a repr (tests/leak_watch.py)."""
    WATCH.start()
    yield
    leaks = WATCH.leaks()
    assert not leaks, "a secret was seen in:\n" + "\n".join(leaks)


@pytest.fixture(autouse=True)
def fresh_process_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with what a new kernel has: the portal limiters (one per sso-session
    a process uses: a test that throttled one must not pace the next test's calls) and the
    account names listed per sign-in (keyed by the token's expiry, which every test on the
    fake clock shares: one test's listing must not answer the next test's lookup)."""
    from ssomagic.engine.access import identity
    from ssomagic.engine.files.lru import Lru

    monkeypatch.setattr(rate_limit, "_limiters", {})
    monkeypatch.setattr(identity, "_account_names", Lru(16))


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary HOME; nothing can reach the real ~/.aws. The environment and boto3's default
    session are put back afterwards, whatever a binding changed."""
    import boto3

    saved_environ, saved_session = dict(os.environ), boto3.DEFAULT_SESSION
    home = tmp_path / "home"
    home.mkdir()
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    yield home
    os.environ.clear()
    os.environ.update(saved_environ)
    boto3.DEFAULT_SESSION = saved_session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """An emulator on a free loopback port, keeping time by the test's clock."""
    with Emulator(clock=clock.time, seed=7) as emu:
        for name, value in emu.endpoint_env().items():
            monkeypatch.setenv(name, value)
        yield emu


@pytest.fixture
def sso_home(home: Path) -> Path:
    """The plugin's sso_emulator (ssomagic.testing) uses the suite's temporary HOME."""
    return home


@pytest.fixture
def live_emulator(sso_emulator: Any) -> Emulator:
    """An emulator on real time, for tests that run other processes (boto3, a second login):
    the one the pytest plugin gives teams, so the suite proves it too."""
    return sso_emulator.emulator


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def host_probe() -> Iterator[HostProbe]:
    """A recording proxy (helpers.HostProbe): `host_probe.intercept(monkeypatch)` sends the SSO
    clients there, to see which region's endpoint each request was for."""
    probe = HostProbe()
    yield probe
    probe.close()


@pytest.fixture
def config_file(home: Path) -> Path:
    path = home / ".aws" / "config"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG)
    return path


@pytest.fixture
def runtime(home: Path, clock: FakeClock) -> Runtime:
    return Runtime(home=home, now=clock.now, sleep=clock.sleep)


@pytest.fixture
def portal(config_file, runtime, emulator, clock):
    """The portal of the dev profile's sign-in, on the fake clock."""
    from helpers import approve_when_asked

    from ssomagic import api
    from ssomagic.engine.access.portal import Portal
    from ssomagic.engine.config.read import load_config
    from ssomagic.engine.signin.tokens import current_token

    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda e: None)
    session = load_config(runtime).profile("dev").sso
    return Portal(session, current_token(session, runtime=runtime).access_token, runtime=runtime,
                  profile="dev")


@pytest.fixture
def signed_in_elsewhere(config_file, home, tmp_path, emulator, clock) -> Runtime:
    """dev signed in on a runtime with a home of its own: the suite's config (and a chain,
    data, over dev) in that home, the process's config emptied. Whatever the runtime reads
    from or writes to the process's home instead of its own then shows."""
    from helpers import approve_when_asked

    from ssomagic import api

    elsewhere = Runtime(home=tmp_path / "elsewhere",
                        environ={"AWS_ENDPOINT_URL_SIGNIN": emulator.url},
                        now=clock.now, sleep=clock.sleep)
    elsewhere.config_file.parent.mkdir(parents=True)
    elsewhere.config_file.write_text(CONFIG + (
        "\n[profile data]\nrole_arn = arn:aws:iam::555566667777:role/DataReader\n"
        "source_profile = dev\n"))
    config_file.write_text("")
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=elsewhere, listener=lambda event: None)
    return elsewhere


@pytest.fixture
def signed_in_dev(config_file, home, live_emulator) -> Runtime:
    """The suite's config (dev, prod, legacy...), signed in as dev on the live emulator."""
    from helpers import Approver, live_runtime

    from ssomagic import api

    runtime = live_runtime(home)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=lambda e: None)
    return runtime


@pytest.fixture
def signed_in_session(home, live_emulator) -> Runtime:
    """A newcomer's machine after `configure` and a sign-in: an sso-session acme, no profile
    (real time, the live emulator)."""
    from helpers import START_URL, Approver, live_runtime

    from ssomagic import api

    runtime = live_runtime(home)
    api.configure(START_URL, region="us-east-1", session="acme", runtime=runtime)
    with Approver(live_emulator):
        api.login(sso_session="acme", runtime=runtime, listener=lambda e: None)
    return runtime


@pytest.fixture
def in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's own zone is not UTC (as on most laptops)."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
