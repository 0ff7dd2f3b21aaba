"""Listing every role of a 300-account org with 30 ms of latency on every call.

Baseline: the same listing one call at a time, as `aws configure sso` does it (a plain boto3
client with botocore's default retries). Both run in this process against the same emulator,
and the ratio is what counts. Goal: at least 8x faster, with no throttling error reaching the
caller although the emulator throttles a share of the calls.

    python bench/list_roles.py [--accounts 300] [--latency 0.03] [--throttle-rate 0.02]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from common import isolate

GOAL = 8.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--throttle-rate", type=float, default=0.02)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    isolate()

    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    from ssomagic.emulator import Emulator, Org
    from ssomagic.engine.access.portal import Portal
    from ssomagic.engine.config.read import SsoSession

    with Emulator(Org.generated(args.accounts, roles=("ReadOnlyAccess", "DataScientist")),
                  seed=1) as emu:
        os.environ.update(emu.endpoint_env())
        state = emu.state
        client = state.register_client({"clientName": "bench", "clientType": "public"})
        auth = state.start_device_authorization(
            {**client, "startUrl": "https://d-1234567890.awsapps.com/start"}, emu.url)
        state.decide(auth["userCode"], approve=True)
        token = state.create_token({**client, "deviceCode": auth["deviceCode"],
                                    "grantType": "urn:ietf:params:oauth:grant-type:device_code"})
        access = token["accessToken"]
        for operation in ("ListAccounts", "ListAccountRoles"):
            state.set_fault(operation, latency=args.latency, throttle_rate=args.throttle_rate)

        # Baseline: one call at a time.
        sso = boto3.client("sso", region_name="us-east-1",
                           config=Config(signature_version=UNSIGNED))
        started = time.perf_counter()
        baseline: dict[str, list[str]] = {}
        for page in sso.get_paginator("list_accounts").paginate(accessToken=access):
            for account in page["accountList"]:
                roles = [r["roleName"]
                         for rp in sso.get_paginator("list_account_roles").paginate(
                             accessToken=access, accountId=account["accountId"])
                         for r in rp["roleList"]]
                baseline[account["accountId"]] = roles
        baseline_s = time.perf_counter() - started
        throttled_baseline = sum(1 for r in state.requests() if r["status"] == 429)

        # Second baseline: plain boto3 with the same number of threads, listing every account
        # first, then their roles in a pool; what the pipelining adds is the difference.
        from concurrent.futures import ThreadPoolExecutor

        started = time.perf_counter()
        accounts = [a["accountId"] for page in sso.get_paginator("list_accounts").paginate(
            accessToken=access) for a in page["accountList"]]

        def roles_of(account_id: str) -> list[str]:
            return [r["roleName"] for rp in sso.get_paginator("list_account_roles").paginate(
                accessToken=access, accountId=account_id) for r in rp["roleList"]]

        with ThreadPoolExecutor(args.workers) as pool:
            threaded = dict(zip(accounts, pool.map(roles_of, accounts), strict=True))
        threaded_s = time.perf_counter() - started

        before = len(state.requests())
        portal = Portal(SsoSession("bench", "https://d-1234567890.awsapps.com/start",
                                   "us-east-1"), access, max_workers=args.workers)
        started = time.perf_counter()
        listing = portal.account_roles()
        ours_s = time.perf_counter() - started
        ours_requests = state.requests()[before:]
        throttled_ours = sum(1 for r in ours_requests if r["status"] == 429)

    same = {r.account.account_id: list(r.roles) for r in listing} == baseline == threaded
    ratio = baseline_s / ours_s
    print(f"accounts: {args.accounts}, latency {args.latency * 1000:.0f} ms a call, "
          f"throttle rate {args.throttle_rate:.0%}")
    print(f"baseline, one call at a time:  {baseline_s:6.2f} s "
          f"({throttled_baseline} throttled, retried by botocore)")
    print(f"plain boto3, {args.workers} threads:    {threaded_s:6.2f} s "
          f"(ssomagic is {threaded_s / ours_s:.1f}x faster: what pipelining adds)")
    print(f"ssomagic, {args.workers} workers, pipelined: {ours_s:6.2f} s "
          f"({throttled_ours} throttled, retried; none reached the caller)")
    print(f"ratio: {ratio:.1f}x (goal: at least {GOAL:.0f}x); same listing: {same}")
    return 0 if same and ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
