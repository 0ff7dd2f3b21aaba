"""The fault matrix: every AWS operation ssomagic makes, under every kind of fault, from the
user action that reaches it. Each case ends within the action's deadline, transient faults
that clear are never seen, what does not clear is one line saying what to do, and no file is
left corrupt. With SSOMAGIC_UPDATE_DOCS=1 the run writes docs/reliability.md."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import approve_when_asked, scaled_emulator

from ssomagic import api
from ssomagic.engine.errors import SsoMagicError

REPORT = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
DEADLINE = 60.0
RESULTS: dict[tuple[str, str], str] = {}
SOAK = "## Soak runs"  # bench/soak.py's section, kept when the matrix is written again

FAULTS = {
    "500, then clears": ({"errors": 2}, "ok"),
    "throttled, then clears": ({"throttle": 3}, "ok"),
    "500 every time": ({"errors": 100_000}, "error"),
    "200 with a proxy's page": ({"garbage": 100_000}, "error"),
    "200 with {} (no promised field)": ({"hollow": 100_000}, "error"),
}
# Faults that live in real time, run on a clock SCALE times faster with the socket timeouts
# divided likewise: 30 s late is past the 10 s read timeout; resets drop the connection.
# The scale multiplies the work between the waits too (0.3 s of a loaded machine's CPU is
# 6 s at 20): at 10, the last attempt's 55 s keeps half a real second to spare.
SCALE = 10
NETWORK_FAULTS = {
    "30 s late once, then on time": ({"latency": 30 / SCALE, "late": 1}, "ok"),
    "30 s late every time": ({"latency": 30 / SCALE}, "error"),
    "connection reset, then clears": ({"resets": 2}, "ok"),
    "connection reset every time": ({"resets": 100_000}, "error"),
}
OPERATIONS = ["RegisterClient", "StartDeviceAuthorization", "CreateToken (device code)",
              "CreateToken (refresh)", "ListAccounts", "ListAccountRoles", "GetRoleCredentials",
              "GetCallerIdentity", "Logout"]


def quiet(event):
    pass


def prepare(operation, runtime, emulator, clock):
    """Sign in first where the operation needs a sign-in; returns the user action."""
    clock.on_sleep.append(approve_when_asked(emulator))
    if operation in ("RegisterClient", "StartDeviceAuthorization", "CreateToken (device code)"):
        return lambda: api.login("dev", runtime=runtime, listener=quiet)
    api.login("dev", runtime=runtime, listener=quiet)
    if operation == "CreateToken (refresh)":
        clock.advance(8 * 3600 - 5 * 60)  # the mandatory refresh window
        return lambda: api.whoami("dev", runtime=runtime)
    return {
        "ListAccounts": lambda: api.accounts(sso_session="my-sso", runtime=runtime),
        "ListAccountRoles": lambda: api.accounts(sso_session="my-sso", runtime=runtime),
        "GetRoleCredentials": lambda: api.export_credentials("dev", runtime=runtime),
        "GetCallerIdentity": lambda: api.whoami("dev", runtime=runtime),
        "Logout": lambda: api.logout("dev", runtime=runtime),
    }[operation]


def files_whole(home: Path) -> None:
    for path in (home / ".aws").rglob("*.json"):
        json.loads(path.read_text())


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_under_every_fault(operation, fault, config_file, runtime, emulator,
                                           clock, home):
    run_case(operation, fault, FAULTS[fault], runtime, emulator, clock, home)


@pytest.mark.parametrize("fault", list(NETWORK_FAULTS))
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_under_network_faults(operation, fault, config_file, home,
                                              monkeypatch):
    with scaled_emulator(SCALE, home, monkeypatch, socket_timeouts=True) as (
            runtime, emulator, clock):
        emulator.state.update_settings(interval=1)
        run_case(operation, fault, NETWORK_FAULTS[fault], runtime, emulator, clock, home)


def run_case(operation, fault, spec_and_expected, runtime, emulator, clock, home):
    action = prepare(operation, runtime, emulator, clock)
    spec, expected = spec_and_expected
    faulted = operation.split(" ")[0]
    emulator.state.set_fault(faulted, **spec)
    asked_before = emulator.state.arrivals.get(faulted, 0)
    started = clock.time()
    try:
        action()
        outcome = "ok"
        message = "carries on; nothing shown"
    except SsoMagicError as exc:
        outcome, message = "error", str(exc)
        assert "\n" not in message
    elapsed = clock.time() - started
    files_whole(home)
    if operation == "Logout":  # errors are ignored, as `aws sso logout` ignores them
        expected = "ok"
    if operation == "CreateToken (refresh)":  # the token still has 5 minutes: work goes on,
        expected = "ok"  # the failed renewal is logged, and tried again a minute later
    RESULTS[(operation, fault)] = (f"{message[:110]}{'...' if len(message) > 110 else ''}"
                                   f" ({elapsed:.0f} s)")
    assert outcome == expected, message
    assert elapsed <= DEADLINE  # the action's 45 s, and the one attempt that crosses it
    # The case tested the fault: the faulted call was made (and met it), not skipped.
    assert emulator.state.arrivals.get(faulted, 0) > asked_before, f"{faulted} was not called"


def test_a_sign_in_revoked_mid_session_says_sign_in_again_then_a_login_recovers(
        config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)
    emulator.state.revoke_tokens()
    for name, action in {
            "ListAccounts": lambda: api.accounts(sso_session="my-sso", runtime=runtime),
            "GetRoleCredentials": lambda: api.export_credentials("dev", runtime=runtime)}.items():
        with pytest.raises(SsoMagicError, match="Sign in again"):
            action()
        RESULTS[(name, "token revoked mid-session")] = "one line: sign in again, naming it"
    assert api.login("dev", runtime=runtime, listener=quiet).signed_in  # a new device flow
    RESULTS[("CreateToken (device code)", "token revoked mid-session")] = (
        "login starts a new device flow by itself")


def test_an_unreachable_endpoint_is_one_line_within_the_deadline(config_file, runtime, clock,
                                                                 monkeypatch, unused_port):
    for name in ("AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_STS"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{unused_port}")
    started = clock.time()
    with pytest.raises(SsoMagicError) as caught:
        api.login("dev", runtime=runtime, listener=quiet)
    assert "Could not reach IAM Identity Center in us-east-1" in str(caught.value)
    assert clock.time() - started <= DEADLINE
    RESULTS[("RegisterClient", "connection refused")] = str(caught.value)[:110] + "..."


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    if os.environ.get("SSOMAGIC_UPDATE_DOCS") != "1" or not RESULTS:
        return
    faults = [*FAULTS, *NETWORK_FAULTS, "token revoked mid-session", "connection refused"]
    lines = ["# Reliability: the fault matrix", "",
             "Generated by `SSOMAGIC_UPDATE_DOCS=1 ./scripts/test tests/test_fault_matrix.py`: "
             "each row is an AWS operation, reached from the user action that makes it, each "
             "column a fault the emulator injects; times are the action's own clock (retries "
             "and back-off included). A fault that clears is never seen; one that does not is "
             "one line that says what to do, within the 60 s an action may take.", ""]
    for fault in faults:
        lines += [f"## {fault}", "", "| operation | what the user gets |", "|---|---|"]
        lines += [f"| {op} | {RESULTS[(op, fault)]} |" for op in OPERATIONS
                  if (op, fault) in RESULTS]
        lines.append("")
    soak = REPORT.read_text().partition(SOAK)[2] if REPORT.exists() else ""
    REPORT.write_text("\n".join(lines) + (f"\n{SOAK}{soak}" if soak else ""))
