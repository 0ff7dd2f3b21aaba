"""Shared pieces of the test suite: the config most tests use, a fake clock, helpers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from ssomagic.emulator import Emulator
from ssomagic.engine.runtime import Runtime

START_URL = "https://d-1234567890.awsapps.com/start"
T0 = datetime(2026, 11, 27, 9, 0, 0, tzinfo=timezone.utc)

CONFIG = f"""\
# Team AWS config: keep these comments.
[default]
region = eu-west-1

[profile dev]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = DataScientist
region = eu-west-1

[profile prod]
sso_session = my-sso
sso_account_id = 444455556666
sso_role_name = ReadOnlyAccess
region = us-east-1

[profile legacy]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_account_id = 777788889999
sso_role_name = AdministratorAccess

[sso-session my-sso]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


@dataclass
class FakeClock:
    """One clock for ssomagic and the emulator; sleeping advances it and runs due callbacks."""

    current: datetime = T0
    slept: list[float] = field(default_factory=list)
    on_sleep: list[Callable[[FakeClock], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> datetime:
        with self._lock:
            return self.current

    def time(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.current += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)
        for callback in list(self.on_sleep):
            callback(self)


class ScaledClock:
    """Real time, run ``factor`` times faster, for faults that live in real time (a socket
    timeout, an answer that comes late): with the socket timeouts divided by the same factor,
    timeouts, back-off and deadlines keep their proportions, and ``time()`` reads as the
    seconds a user would wait."""

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self.slept: list[float] = []
        self.on_sleep: list[Callable[[ScaledClock], None]] = []
        self._origin = time.monotonic()
        self._offset = 0.0

    def time(self) -> float:
        return T0.timestamp() + self._offset + (time.monotonic() - self._origin) * self.factor

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), timezone.utc)

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        time.sleep(seconds / self.factor)
        for callback in list(self.on_sleep):
            callback(self)


def approve_when_asked(emulator: Emulator) -> Callable[[FakeClock], None]:
    """A sleep callback: the person approves whatever code is pending."""

    def callback(_: FakeClock) -> None:
        if emulator.state.pending_user_codes():
            emulator.approve()

    return callback


@contextmanager
def scaled_emulator(factor: float, home: Path, monkeypatch,
                    *, socket_timeouts: bool) -> Iterator[tuple[Runtime, Emulator, ScaledClock]]:
    """A runtime and an emulator on one ScaledClock, with the endpoint variables pointing at
    it: for what lives in real time (a quota, a hung socket). ``socket_timeouts`` divides
    ssomagic's connect and read timeouts by the factor too, so a network fault keeps its
    proportions; leave them whole where only the pace matters, so a busy CI machine's slow
    answer is not taken for a hung one."""
    from ssomagic.engine import timing

    if socket_timeouts:
        monkeypatch.setattr(timing, "CONNECT_TIMEOUT", timing.CONNECT_TIMEOUT / factor)
        monkeypatch.setattr(timing, "READ_TIMEOUT", timing.READ_TIMEOUT / factor)
    clock = ScaledClock(factor)
    runtime = Runtime(home=home, now=clock.now, sleep=clock.sleep)
    with Emulator(clock=clock.time, seed=7) as emulator:
        for name, value in emulator.endpoint_env().items():
            monkeypatch.setenv(name, value)
        yield runtime, emulator, clock


def nothing_in(home: Path) -> bool:
    """The process's home holds no token, cache or listing, and its config stayed empty:
    a runtime with a home of its own kept to it."""
    return not any((home / ".aws" / sub).exists() for sub in ("sso", "cli")) and not (
        home / ".aws" / "config").read_text()


def run_python(code: str, env: dict[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run code in another Python process (plain boto3, or a second ssomagic) with this env."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout, check=False)


def short_sleep(seconds: float) -> None:
    """Real time, but no poll waits longer than 20 ms: tests on a live emulator stay quick."""
    time.sleep(min(seconds, 0.02))


def live_runtime(home: object) -> Runtime:
    return Runtime(home=Path(str(home)), sleep=short_sleep)


class Approver:
    """A person who approves every pending code, after ``delay`` seconds, until stopped."""

    def __init__(self, emulator: Emulator, delay: float = 0.0,
                 ready: Callable[[], bool] = lambda: True) -> None:
        self.emulator, self.delay, self.ready = emulator, delay, ready
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            if self.ready() and self.emulator.state.pending_user_codes():
                if self._stop.wait(self.delay):
                    return
                for code in self.emulator.state.pending_user_codes():
                    self.emulator.state.decide(code, approve=True)

    def __enter__(self) -> Approver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait for something a background thread does; fail (never hang) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        time.sleep(0.005)


def route_through(config_file: Path, url: str, profile: str = "dev",
                  service: str = "sso") -> None:
    """``profile``'s own settings send ``service``'s calls to ``url``: a `[services]` section,
    as a proxy or a CA bundle would be a profile's own. ``service`` is botocore's key:
    "sso" for the portal, "sso_oidc" for IAM Identity Center."""
    header = "[default]\n" if profile == "default" else f"[profile {profile}]\n"
    text = config_file.read_text().replace(header, f"{header}services = routed\n")
    config_file.write_text(f"{text}\n[services routed]\n{service} =\n  endpoint_url = {url}\n")


class HostProbe:
    """An HTTPS proxy on loopback that notes the host each request was for and answers none.

    Against the emulator every client is pointed at one loopback endpoint, so the region a
    client was built for cannot show. With the endpoint variables unset and HTTPS_PROXY set to
    this probe, botocore opens `CONNECT portal.sso.<region>.amazonaws.com:443` here instead:
    the host names the region, and the refused tunnel is a network fault the caller handles.
    A request sent to the probe as its endpoint (a `[services]` section's endpoint_url) is
    noted by its path.
    """

    def __init__(self) -> None:
        import socket

        self.hosts: list[str] = []
        self.when_asked: Callable[[], object] = lambda: None  # run before each answer
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return  # closed
            with connection:
                request = connection.recv(4096).decode("latin-1")
                target = request.partition(" ")[2].split(" ")[0]  # host:443 or http://host/
                self.hosts.append(urlsplit(f"//{target}" if "//" not in target else target
                                           ).hostname or target)
                self.when_asked()
                connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    def intercept(self, monkeypatch: object) -> list[str]:
        """From now on the SSO clients' requests come here; the hosts asked for, as they come."""
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC",
                     "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)  # type: ignore[attr-defined]
        monkeypatch.setenv("HTTPS_PROXY", self.url)  # type: ignore[attr-defined]
        return self.hosts

    def close(self) -> None:
        self._server.close()
