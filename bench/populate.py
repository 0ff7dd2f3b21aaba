"""Populating profiles at the portal's real quota: 20 calls a second, burst 20, 30 ms a call.

1. 665 accounts x 2 roles (where aws-sso-util's and Granted's users hit TooManyRequests):
   `ssomagic populate` against the quota's bound (the portal calls needed divided by 20 a
   second; goal: within 1.15x, no error), and aws-sso-util 4.33 `configure populate`, what teams
   run today, on the same emulator in the same run, with its time and errors.
2. 5,000 accounts x 3 roles: ssomagic's time against the bound, its peak memory, and what
   building and writing 15,000 profiles adds (the same populate into an empty config with the
   sign-in's listing already made: goal, under a tenth of the listing).
3. The same sign-in again: a second `populate` and `%sso accounts` / `%sso profiles` (what the
   picker lists) in a new IPython process make no portal call (goal: 0).

Each tool runs as the console command a user types, in its own isolated HOME, on a sign-in
made just before (so neither pays for a device flow).

    python bench/populate.py [--accounts 665] [--large 5000] [--rate 20] [--peer-venv DIR]

aws-sso-util is installed into --peer-venv (default: a temporary one) from PyPI; it is a
benchmark's baseline, never a dependency of ssomagic.
"""

from __future__ import annotations

import argparse
import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import approve_all, isolate

BOUND_GOAL = 1.15
WRITE_SHARE_GOAL = 0.10
START_URL = "https://d-1234567890.awsapps.com/start"
PEER = "aws-sso-util==4.33.0"
PORTAL = ("ListAccounts", "ListAccountRoles")
# The console command, in a process that reports its peak memory when it ends.
MEASURED = ("import resource, sys\nfrom ssomagic.console.cli import main\n"
            "code = main(sys.argv[1:])\n"
            "print(f'peak-rss-kib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', "
            "file=sys.stderr)\nsys.exit(code)\n")


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


def run(command: list[str], env: dict[str, str], *, check: bool = True
        ) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                            timeout=1800)
    elapsed = time.perf_counter() - started
    if check and result.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed, result


def profiles_in(home: Path) -> set[tuple[str, str]]:
    parser = configparser.RawConfigParser()
    parser.read(home / ".aws" / "config")
    return {(parser[s]["sso_account_id"], parser[s]["sso_role_name"])
            for s in parser.sections() if s.startswith("profile ")
            and "sso_account_id" in parser[s]}


class Counts:
    """Portal calls the emulator answered, and those its quota refused, since a mark."""

    def __init__(self, emulator: object) -> None:
        self.state = emulator.state  # type: ignore[attr-defined]
        self.mark()

    def mark(self) -> None:
        self._requests, self._refused = len(self.state.requests()), self.state.refused

    def calls(self) -> int:
        return sum(1 for r in self.state.requests()[self._requests:]
                   if r["operation"] in PORTAL and r["status"] == 200)

    def refused(self) -> int:
        return self.state.refused - self._refused


def signed_in_home(base: Path, name: str, emulator: object, ssomagic_exe: str) -> dict[str, str]:
    home = base / name
    home.mkdir()
    env = home_env(home, emulator.endpoint_env())  # type: ignore[attr-defined]
    run([ssomagic_exe, "configure", "--start-url", START_URL, "--region", "us-east-1",
         "--session", "bench"], env)
    run([ssomagic_exe, "login", "--sso-session", "bench"], env)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=665)
    parser.add_argument("--large", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--peer-venv", type=Path)
    args = parser.parse_args()
    base = isolate()
    peer = peer_venv(args.peer_venv)
    ssomagic_exe = str(Path(sys.executable).with_name("ssomagic"))
    measured = [sys.executable, "-c", MEASURED]

    from ssomagic.emulator import Emulator, Org

    met = True
    stop = threading.Event()

    def at_quota(emulator: Emulator) -> None:
        for operation in PORTAL:
            emulator.state.set_fault(operation, latency=args.latency)
        emulator.state.update_settings(portal_rate=args.rate, portal_burst=int(args.rate))

    # ---- 1: a large org where the peers fail, against aws-sso-util ------------------------
    org = Org.generated(args.accounts, roles=("ReadOnlyAccess", "DataScientist"))
    with Emulator(org) as emulator:
        approve_all(emulator, stop)
        ours = signed_in_home(base, "ssomagic", emulator, ssomagic_exe)
        theirs = home_env(base / "aws-sso-util", emulator.endpoint_env())
        (base / "aws-sso-util").mkdir()
        run([str(peer), "login", "--sso-start-url", START_URL, "--sso-region", "us-east-1"],
            theirs)
        at_quota(emulator)
        counts = Counts(emulator)
        ours_s, ours_run = run([ssomagic_exe, "populate", "bench"], ours, check=False)
        calls, refused = counts.calls(), counts.refused()
        bound = calls / args.rate
        counts.mark()
        theirs_s, theirs_run = run([str(peer), "configure", "populate", "--sso-start-url",
                                    START_URL, "--sso-region", "us-east-1", "--region",
                                    "us-east-1"], theirs, check=False)
        theirs_refused = counts.refused()

        # ---- 3: the same sign-in again, in new processes --------------------------------
        counts.mark()
        run([ssomagic_exe, "populate", "bench"], ours)
        run([sys.executable, "-c", "from IPython.testing.globalipapp import start_ipython\n"
             "ip = start_ipython()\nip.run_line_magic('load_ext', 'ssomagic')\n"
             "ip.run_line_magic('sso', 'accounts --sso-session bench')\n"
             "ip.run_line_magic('sso', 'profiles')\n"], ours)
        again = counts.calls() + counts.refused()

    n_ours, n_theirs = len(profiles_in(base / "ssomagic")), len(profiles_in(base / "aws-sso-util"))
    ok = ours_run.returncode == 0 and ours_s / bound <= BOUND_GOAL
    met &= ok and again == 0
    print(f"populate {args.accounts} accounts x 2 roles at the portal's quota ({args.rate:.0f} "
          f"calls a second, burst {args.rate:.0f}, {args.latency * 1000:.0f} ms a call)")
    print(f"  the quota's bound ({calls} calls / {args.rate:.0f} a second): {bound:6.1f} s")
    print(f"  ssomagic populate:                {ours_s:6.1f} s = {ours_s / bound:.2f}x the "
          f"bound (goal: at most {BOUND_GOAL}x); exit {ours_run.returncode}, {n_ours} "
          f"profiles, {refused} calls refused by the quota and retried, none reaching the user")
    peer_state = (f"exit {theirs_run.returncode}" + (
        f" ({theirs_run.stderr.strip().splitlines()[-1][:160]})" if theirs_run.returncode
        and theirs_run.stderr.strip() else ""))
    print(f"  aws-sso-util configure populate:  {theirs_s:6.1f} s = {theirs_s / bound:.2f}x the "
          f"bound; {peer_state}, {n_theirs} profiles, {theirs_refused} calls refused")
    print(f"  ssomagic is {theirs_s / ours_s:.1f}x faster; same profiles: "
          f"{profiles_in(base / 'ssomagic') == profiles_in(base / 'aws-sso-util')}")
    print(f"  again on the same sign-in, a second populate and %sso accounts / profiles in a new "
          f"IPython: {again} portal calls (goal: 0)")

    # ---- 2: 5,000 accounts x 3 roles ------------------------------------------------------
    large = Org.generated(args.large, roles=3)
    with Emulator(large) as emulator:
        approve_all(emulator, stop)
        env = signed_in_home(base, "large", emulator, ssomagic_exe)
        at_quota(emulator)
        counts = Counts(emulator)
        large_s, large_run = run([*measured, "populate", "bench"], env)
        calls, refused = counts.calls(), counts.refused()
        peak_kib = int(large_run.stderr.rsplit("peak-rss-kib ", 1)[1].split()[0])
        # The write alone: a new home with the same sign-in and its listing, an empty config.
        home, copy = Path(env["HOME"]), base / "large-write"
        shutil.copytree(home / ".aws" / "sso", copy / ".aws" / "sso")
        copy_env = home_env(copy, emulator.endpoint_env())
        run([ssomagic_exe, "configure", "--start-url", START_URL, "--region", "us-east-1",
             "--session", "bench"], copy_env)
        counts.mark()
        write_s, _ = run([ssomagic_exe, "populate", "bench"], copy_env)
        write_calls = counts.calls()
    stop.set()
    bound = calls / args.rate
    n_large = len(profiles_in(base / "large"))
    share = write_s / large_s
    ok = large_s / bound <= BOUND_GOAL and n_large == args.large * 3 and share <= \
        WRITE_SHARE_GOAL and write_calls == 0
    met &= ok
    print(f"populate {args.large:,} accounts x 3 roles at the same quota")
    print(f"  the quota's bound ({calls} calls / {args.rate:.0f} a second): {bound:6.1f} s")
    print(f"  ssomagic populate:                {large_s:6.1f} s = {large_s / bound:.2f}x the "
          f"bound (goal: at most {BOUND_GOAL}x); {n_large:,} profiles, {refused} calls refused "
          f"and retried; peak memory {peak_kib / 1024:.0f} MiB")
    print(f"  building and writing the {n_large:,} profiles alone (the listing reused, "
          f"{write_calls} portal calls): {write_s:.2f} s = {share:.1%} of the populate "
          f"(goal: under {WRITE_SHARE_GOAL:.0%})")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
