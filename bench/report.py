"""Run every benchmark and write docs/performance.md: each figure a ratio against a baseline
measured in the same run, with the goal beside it and whether this run met it.

    python bench/report.py [--peer-venv DIR]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORT = HERE.parent / "docs" / "performance.md"
BENCHMARKS = [
    ("list_roles.py", "Roles of 300 accounts, 30 ms a call, 2 % throttled: against one call at "
                      "a time and against plain boto3 with the same 16 threads"),
    ("populate.py", "Profiles at the portal's quota (20 calls a second) from a fresh sign-in, "
                    "665 accounts x 2 roles against the quota's bound and aws-sso-util 4.33 "
                    "`configure populate`; 5,000 accounts x 3 roles; the same sign-in again"),
    ("populate_scale.py", "populate on 2,000, 8,000 and 50,000 accounts x 2 roles, against "
                          "the listing it needs"),
    ("use_switch.py", "`%sso use` and the first credentials after it: in the same kernel, in a "
                      "new kernel through the role-credential cache, and with that cache "
                      "disabled; against a new boto3 Session with credentials"),
    ("profiles.py", "Profiles of a 2,000-profile config: against botocore's "
                    "`Session().available_profiles`"),
    ("load_ext.py", "`%load_ext ssomagic`: against a bare IPython start"),
    ("export_credentials.py", "`ssomagic export-credentials` on cached credentials: against "
                              "its own full path (and the AWS CLI v2 where installed)"),
    ("endpoint.py", "The credentials endpoint: median request, and 50 clients for 30 s"),
    ("approval_to_card.py", "Allow on the sign-in page to the identity card, one click (PKCE) "
                            "and the device code: against the poll interval"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-venv", type=Path)
    args = parser.parse_args()
    sections, failed = [], []
    for script, what in BENCHMARKS:
        command = [sys.executable, str(HERE / script)]
        if script == "populate.py" and args.peer_venv:
            command += ["--peer-venv", str(args.peer_venv)]
        started = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
        verdict = "met" if run.returncode == 0 else "NOT met"
        if run.returncode:
            failed.append(script)
        output = run.stdout.strip() or run.stderr.strip()[-2000:]
        sections += [f"## {script}: {what}", "", f"Goal {verdict} "
                     f"({time.perf_counter() - started:.0f} s to run).", "", "```text", output,
                     "```", ""]
        print(f"{script}: goal {verdict}", flush=True)
    head = ["# Performance", "",
            f"Written by `python bench/report.py` on {time.strftime('%Y-%m-%d')} "
            f"({platform.machine()}, {platform.python_version()}, the project's 2-core "
            "machine). Every figure is a ratio against a baseline measured in the same run; "
            "a goal this run missed says so.", ""]
    REPORT.write_text("\n".join(head + sections))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
