"""Soak runs: the suite's concurrency, crash and fault tests, many times over.

The suite proves each behaviour once, within its time budget; these runs repeat them long
enough for a rare race or a one-in-a-hundred kill to show, against the demo config in an
isolated HOME, and write their figures into docs/reliability.md (the "Soak runs" section):

- kernels: rounds of 8 processes using one sso-session whose token is inside botocore's
  mandatory refresh window; each round must be all successes, one refresh, no device flow,
  and a reader looping over the token file meanwhile must never see invalid JSON;
- kills: SIGKILL at random moments of config edits, token-cache writes and role-credential
  writes; every file must read whole after every kill, and after the next write and a logout
  no temp file may be left;
- faults: user actions (whoami, accounts, export-credentials, login) against an emulator that
  throttles 5 % of calls and injects, per action, a random transient fault (500s, resets, a
  late answer): every action must succeed without a word, within 60 s.

    python bench/soak.py [--rounds 10] [--kills 100] [--actions 200] [--no-docs]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from common import approve_all, demo_home

REPORT = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
MARKER = "## Soak runs"
KERNELS = 8


def start(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=os.environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kernels(emulator, runtime, rounds: int) -> tuple[bool, str]:
    from ssomagic import api
    from ssomagic.engine.config.read import load_config
    from ssomagic.engine.files.token_cache import TokenCache

    session = load_config(runtime).profile("dev").sso
    path = TokenCache(runtime).token_path(session)
    failures = torn = extra_refreshes = device_flows = 0
    slowest = 0.0
    for _ in range(rounds):
        api.logout(runtime=runtime, all=True)
        emulator.state.update_settings(token_lifetime=300)  # in the mandatory window
        stop = threading.Event()
        approve_all(emulator, stop)
        api.login("dev", runtime=runtime, listener=lambda e: None)
        stop.set()
        emulator.state.update_settings(token_lifetime=8 * 3600)
        before_tokens = len([r for r in emulator.state.requests("CreateToken")
                             if r["status"] == 200])
        before_flows = len(emulator.state.requests("StartDeviceAuthorization"))
        done = threading.Event()
        torn_here: list[int] = []

        def reader(torn_here: list[int] = torn_here, done: threading.Event = done) -> None:
            while not done.is_set():
                try:
                    json.loads(path.read_text())
                except (ValueError, FileNotFoundError):
                    torn_here.append(1)

        watcher = threading.Thread(target=reader, daemon=True)
        watcher.start()
        started = time.monotonic()
        processes = [start("""
            import boto3, ssomagic
            ssomagic.use("dev")
            print(boto3.client("sts").get_caller_identity()["Account"])
        """) for _ in range(KERNELS)]
        outputs = [p.communicate(timeout=120) for p in processes]
        slowest = max(slowest, time.monotonic() - started)
        done.set()
        watcher.join()
        torn += len(torn_here)
        failures += sum(1 for p, (out, _) in zip(processes, outputs, strict=True)
                        if p.returncode != 0 or out.strip() != "111122223333")
        refreshes = len([r for r in emulator.state.requests("CreateToken")
                         if r["status"] == 200]) - before_tokens
        extra_refreshes += max(0, refreshes - 1)
        device_flows += len(emulator.state.requests("StartDeviceAuthorization")) - before_flows
    ok = failures == 0 and torn == 0 and extra_refreshes == 0 and device_flows == 0
    return ok, (f"{rounds} rounds of {KERNELS} processes: {failures} failed, "
                f"{extra_refreshes} refreshes beyond one a round, {device_flows} device flows, "
                f"{torn} torn reads of the token file; slowest round {slowest:.1f} s")


def kills(emulator, runtime, home: Path, count: int) -> tuple[bool, str]:
    from ssomagic import api
    from ssomagic.engine.config.read import load_config
    from ssomagic.engine.config.write import set_profile
    from ssomagic.engine.files.token_cache import TokenCache

    stop = threading.Event()
    approve_all(emulator, stop)
    api.login("dev", runtime=runtime, listener=lambda e: None)
    stop.set()
    api.export_credentials("dev", runtime=runtime)
    config = runtime.config_file
    token = TokenCache(runtime).token_path(load_config(runtime).profile("dev").sso)
    creds = next((home / ".aws" / "cli" / "cache").glob("*.json"))
    writers = {
        "config edits": """
            from ssomagic.engine.config.write import set_profile
            i = 0
            while True:
                i += 1
                set_profile("churn", {"region": "eu-west-1", "note": "x" * (i % 5000)})
        """,
        "token and role-credential writes": f"""
            import json
            from pathlib import Path
            from ssomagic.engine.files.atomic import atomic_write
            token, creds = Path({str(token)!r}), Path({str(creds)!r})
            document, role = json.loads(token.read_text()), json.loads(creds.read_text())
            i = 0
            while True:
                i += 1
                atomic_write(token, json.dumps(document) + " " * (i % 3000))
                atomic_write(creds, json.dumps(role) + " " * (i % 3000))
        """,
    }
    original = config.read_text()
    broken = 0
    rng = random.Random(7)
    per_kind = {kind: 0 for kind in writers}
    for i in range(count):
        kind = list(writers)[i % len(writers)]
        per_kind[kind] += 1
        process = start(writers[kind])
        time.sleep(0.5 + rng.random() * 0.3)  # past the imports, into the writes
        process.send_signal(signal.SIGKILL)
        process.wait()
        text = config.read_text()
        try:
            json.loads(token.read_text())
            json.loads(creds.read_text())
        except ValueError:
            broken += 1
        if not text.startswith(original) or text.count("[profile churn]") > 1:
            broken += 1
    leftovers_before = len(list((home / ".aws").rglob("*.tmp")))
    for leftover in (home / ".aws").rglob("*.tmp"):  # as if left an hour ago
        os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    set_profile("after", {"region": "eu-west-1"}, runtime)
    api.logout(runtime=runtime, all=True)
    left = len(list((home / ".aws").rglob("*.tmp")))
    ok = broken == 0 and left == 0
    kinds = ", ".join(f"{n} during {kind}" for kind, n in per_kind.items())
    return ok, (f"{count} SIGKILLs ({kinds}): {broken} files found broken; {leftovers_before} "
                f"temp files left by the kills, {left} after the next write and a logout")


def faults(emulator, runtime, count: int) -> tuple[bool, str]:
    from ssomagic import api
    from ssomagic.engine.errors import SsoMagicError

    rng = random.Random(11)
    transient = [{"errors": 1}, {"errors": 2}, {"resets": 1}, {"throttle": 2},
                 {"latency": 12.0, "late": 1}]
    actions = {
        "whoami": lambda: api.whoami("dev", runtime=runtime),
        "accounts": lambda: api.accounts(sso_session="demo", runtime=runtime),
        "export-credentials": lambda: api.export_credentials("prod", runtime=runtime),
        "login": lambda: api.login("dev", runtime=runtime, listener=lambda e: None),
    }
    operations = {"whoami": ["GetCallerIdentity", "GetRoleCredentials"],
                  "accounts": ["ListAccounts", "ListAccountRoles"],
                  "export-credentials": ["GetRoleCredentials"],
                  "login": ["ListAccounts"]}
    stop = threading.Event()
    approve_all(emulator, stop)
    api.login("dev", runtime=runtime, listener=lambda e: None)
    seen, slowest, late = [], 0.0, 0
    for _ in range(count):
        name = rng.choice(list(actions))
        emulator.state.clear_faults()
        for operation in ("ListAccounts", "ListAccountRoles", "GetRoleCredentials",
                          "GetCallerIdentity"):
            emulator.state.set_fault(operation, throttle_rate=0.05)
        spec = rng.choice(transient)
        late += "late" in spec
        emulator.state.set_fault(rng.choice(operations[name]), throttle_rate=0.05, **spec)
        started = time.monotonic()
        try:
            actions[name]()
        except SsoMagicError as exc:
            seen.append(f"{name}: {exc}")
        slowest = max(slowest, time.monotonic() - started)
    stop.set()
    emulator.state.clear_faults()
    ok = not seen and slowest <= 60
    return ok, (f"{count} actions, each with 5 % throttling and one transient fault "
                f"({late} of them an answer 12 s late, past the 2 s read timeout this run "
                f"sets): {len(seen)} reached the user; slowest {slowest:.1f} s")


def write_report(lines: list[str]) -> None:
    text = REPORT.read_text() if REPORT.exists() else ""
    head = text.split(MARKER)[0].rstrip("\n")
    REPORT.write_text(f"{head}\n\n{MARKER}\n\n" + "\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds of 8 kernels")
    parser.add_argument("--kills", type=int, default=100, help="SIGKILLs during writes")
    parser.add_argument("--actions", type=int, default=200, help="actions under faults")
    parser.add_argument("--no-docs", action="store_true", help="print only")
    args = parser.parse_args()
    home = demo_home()
    from ssomagic.emulator import Emulator
    from ssomagic.engine import timing
    from ssomagic.engine.runtime import Runtime

    # A read timeout of 2 s (not 10) keeps a late answer's cost to the run short; the late
    # answer (12 s) is past it either way.
    timing.READ_TIMEOUT = 2.0
    runtime = Runtime(home=home)
    results = []
    with Emulator() as emulator:
        os.environ.update(emulator.endpoint_env())
        for name, run in (("Kernels", lambda: kernels(emulator, runtime, args.rounds)),
                          ("Kills", lambda: kills(emulator, runtime, home, args.kills)),
                          ("Faults", lambda: faults(emulator, runtime, args.actions))):
            started = time.monotonic()
            ok, figure = run()
            took = time.monotonic() - started
            line = f"- **{name}** ({'passed' if ok else 'FAILED'}, {took:.0f} s): {figure}."
            print(line, flush=True)
            results.append((ok, line))
    if not args.no_docs:
        write_report(["Generated by `python bench/soak.py` "
                      f"(--rounds {args.rounds} --kills {args.kills} --actions {args.actions}) "
                      f"on {os.cpu_count()} cores; the suite runs each of these once.", "",
                      *(line for _, line in results)])
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
