"""The credentials endpoint (`%sso serve`) under its users: the median request of one client,
and 50 concurrent clients asking for the whole run, against the portal calls it made (goal:
median at most 5 ms, no error, one fetch per credential roll).

    python bench/endpoint.py [--seconds 30] [--clients 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import urllib.request

from common import approve_all, demo_home

GOAL_MS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    demo_home()
    from ssomagic import login, serve
    from ssomagic.emulator import Emulator

    with Emulator() as emulator:
        os.environ.update(emulator.endpoint_env())
        stop = threading.Event()
        approve_all(emulator, stop)
        login("dev", listener=lambda e: None)
        endpoint = serve("dev")
        token = endpoint.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]

        def ask() -> None:
            request = urllib.request.Request(endpoint.url, headers={"Authorization": token})
            with urllib.request.urlopen(request, timeout=10) as answer:
                answer.read()

        ask()  # the first answer fetches; from here on, the cache
        samples = []
        for _ in range(200):
            started = time.perf_counter()
            ask()
            samples.append(time.perf_counter() - started)
        median = statistics.median(samples) * 1000
        fetched = len(emulator.state.requests("GetRoleCredentials"))
        counts = {"ok": 0, "error": 0}
        lock = threading.Lock()
        until = time.monotonic() + args.seconds

        def client() -> None:
            while time.monotonic() < until:
                try:
                    ask()
                    outcome = "ok"
                except Exception:
                    outcome = "error"
                with lock:
                    counts[outcome] += 1

        clients = [threading.Thread(target=client) for _ in range(args.clients)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        fetches = len(emulator.state.requests("GetRoleCredentials")) - fetched
        endpoint.stop()
        stop.set()
    print(f"credentials endpoint, {args.clients} clients for {args.seconds:.0f} s")
    print(f"  one client, median request: {median:.2f} ms (goal: at most {GOAL_MS:.0f} ms)")
    print(f"  {args.clients} clients: {counts['ok']:,} answers, {counts['error']} errors, "
          f"{fetches} portal fetches (no roll in this run: goal 0)")
    return 0 if median <= GOAL_MS and counts["error"] == 0 and fetches == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
