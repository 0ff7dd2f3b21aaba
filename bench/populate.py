"""Populating profiles for a 300-account org (2 roles each), 30 ms a call, from a start URL.

Baseline: aws-sso-util 4.33 `configure populate`, what teams run today, against the same
emulator in the same run. Each tool runs as the console command a user types, in its own
isolated HOME, on a sign-in made just before (so neither pays for a device flow). Goal: at
least 15x faster, with the same 600 profiles. Also printed: the listing alone (the concurrent
portal listing inside populate) and what writing the profiles adds to it.

    python bench/populate.py [--accounts 300] [--latency 0.03] [--peer-venv DIR]

aws-sso-util is installed into --peer-venv (default: a temporary one) from PyPI; it is a
benchmark's baseline, never a dependency of ssomagic.
"""

from __future__ import annotations

import argparse
import configparser
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import approve_all, isolate

GOAL = 15.0
START_URL = "https://d-1234567890.awsapps.com/start"
PEER = "aws-sso-util==4.33.0"
WORKERS = 16  # Portal.DEFAULT_WORKERS
PORTAL_PAGE = 20  # the emulator's page size


def peer_venv(where: Path | None) -> Path:
    venv = where or Path(tempfile.gettempdir()) / "ssomagic-bench-peer"
    exe = venv / "bin" / "aws-sso-util"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet",
                        "--disable-pip-version-check", PEER], check=True)
    return exe


def home_env(home: Path, emulator_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(emulator_env)
    env.update({"HOME": str(home), "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
                "BROWSER": "true"})  # aws-sso-util opens a browser otherwise
    return env


def run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                            timeout=600)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed


def profiles_in(home: Path) -> set[tuple[str, str]]:
    parser = configparser.RawConfigParser()
    parser.read(home / ".aws" / "config")
    return {(parser[s]["sso_account_id"], parser[s]["sso_role_name"])
            for s in parser.sections() if s.startswith("profile ")
            and "sso_account_id" in parser[s]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--peer-venv", type=Path)
    args = parser.parse_args()
    base = isolate()
    peer = peer_venv(args.peer_venv)
    ssomagic_exe = str(Path(sys.executable).with_name("ssomagic"))

    from ssomagic.emulator import Emulator, Org

    org = Org.generated(args.accounts, roles=("ReadOnlyAccess", "DataScientist"))
    with Emulator(org) as emulator:
        stop = threading.Event()
        approve_all(emulator, stop)
        ours, theirs = base / "ssomagic", base / "aws-sso-util"
        ours_env, theirs_env = (home_env(ours, emulator.endpoint_env()),
                                home_env(theirs, emulator.endpoint_env()))
        for home in (ours, theirs):
            home.mkdir()
        run([ssomagic_exe, "configure", "--start-url", START_URL, "--region", "us-east-1",
             "--session", "bench"], ours_env)
        run([ssomagic_exe, "login", "--sso-session", "bench"], ours_env)
        run([str(peer), "login", "--sso-start-url", START_URL, "--sso-region", "us-east-1"],
            theirs_env)
        for operation in ("ListAccounts", "ListAccountRoles"):
            emulator.state.set_fault(operation, latency=args.latency)

        listing = listing_seconds(emulator, ours)
        ours_s = run([ssomagic_exe, "populate", "bench"], ours_env)
        theirs_s = run([str(peer), "configure", "populate", "--sso-start-url", START_URL,
                        "--sso-region", "us-east-1", "--region", "us-east-1"], theirs_env)
        stop.set()

    same = profiles_in(ours) == profiles_in(theirs)
    ratio = theirs_s / ours_s
    print(f"populate {args.accounts} accounts x 2 roles, {args.latency * 1000:.0f} ms a call")
    print(f"  ssomagic populate:                {ours_s:6.2f} s  "
          f"({len(profiles_in(ours))} profiles)")
    print(f"  aws-sso-util configure populate:  {theirs_s:6.2f} s  "
          f"({len(profiles_in(theirs))} profiles)")
    # What 16 workers allow at best: account pages one after another, role calls 16 at a time.
    pages = -(-args.accounts // PORTAL_PAGE)
    bound = max(pages, args.accounts / WORKERS) * args.latency + args.latency
    print(f"  the listing alone (in process):   {listing:6.2f} s ({listing / bound:.1f}x the "
          f"{bound:.2f} s its concurrency allows); process start and writing the profiles "
          f"add {ours_s - listing:.2f} s")
    print(f"  ratio: {ratio:.1f}x (goal: at least {GOAL:.0f}x); same profiles: {same}")
    return 0 if ratio >= GOAL and same else 1


def listing_seconds(emulator: object, home: Path) -> float:
    """The portal listing populate does, timed in this process with the same sign-in."""
    os.environ["HOME"] = str(home)
    os.environ["AWS_CONFIG_FILE"] = str(home / ".aws" / "config")
    from ssomagic.engine.accounts import list_account_roles
    from ssomagic.engine.config import load_config
    from ssomagic.engine.runtime import Runtime

    runtime = Runtime(home=home)
    session = load_config(runtime).session("bench")
    for name, value in emulator.endpoint_env().items():  # type: ignore[attr-defined]
        os.environ[name] = value
    started = time.perf_counter()
    list_account_roles(session, runtime)
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
