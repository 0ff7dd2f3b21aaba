"""At the portal's real limits: an emulator that throttles as IAM Identity Center does (a
token bucket, 429 TooManyRequestsException beyond it), listing that finds that quota and stays
under it, a deadline that says how far it got, and one listing per sign-in for every process."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from helpers import Approver, approve_when_asked, scaled_emulator

from ssomagic import api
from ssomagic.console.text import ProgressLine
from ssomagic.emulator import Org
from ssomagic.engine.access.accounts import list_account_roles
from ssomagic.engine.access.portal import ListingProgress, Portal
from ssomagic.engine.aws import rate_limit
from ssomagic.engine.aws.gateway import Deadline
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import ListingIncompleteError
from ssomagic.engine.files import listing_cache
from ssomagic.engine.signin.tokens import current_token
from ssomagic.engine.timing import ACTION_DEADLINE

SCALE = 5.0


@pytest.fixture
def scaled(config_file, home, monkeypatch):
    """A quota lives in real time, and concurrent workers waiting on a fake clock would each
    move it on; so these run on real time, SCALE times faster, the emulator's clock too."""
    with scaled_emulator(SCALE, home, monkeypatch, socket_timeouts=False) as (
            runtime, emulator, clock):
        clock.on_sleep.append(approve_when_asked(emulator))
        api.login("dev", runtime=runtime, listener=lambda e: None)
        session = load_config(runtime).profile("dev").sso
        token = current_token(session, runtime=runtime).access_token
        yield Portal(session, token, runtime=runtime, profile="dev"), emulator


def one_try(service: str):
    """A plain boto3 client that does not retry, so each refusal is seen."""
    return boto3.client(service, region_name="us-east-1",
                        config=Config(retries={"total_max_attempts": 1}))


def portal_calls(emulator) -> list[dict]:
    return [r for r in emulator.state.requests()
            if r["operation"] in ("ListAccounts", "ListAccountRoles")]


# ---- the emulator's quota ----------------------------------------------------------------------

def test_the_emulator_refuses_portal_calls_beyond_its_burst_with_429(portal, emulator):
    emulator.state.update_settings(portal_rate=2, portal_burst=3)
    client = one_try("sso")
    token = portal._token
    for _ in range(3):
        client.list_accounts(accessToken=token)
    with pytest.raises(ClientError) as caught:
        client.list_accounts(accessToken=token)
    assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert emulator.state.snapshot()["refused"] == 1


def test_the_emulator_quota_refills_at_its_rate(portal, emulator, clock):
    emulator.state.update_settings(portal_rate=2, portal_burst=1)
    client = one_try("sso")
    client.list_accounts(accessToken=portal._token)
    clock.advance(0.5)  # one call's worth at 2 a second
    client.list_accounts(accessToken=portal._token)
    with pytest.raises(ClientError):
        client.list_accounts(accessToken=portal._token)


def test_sign_in_calls_are_outside_the_portal_quota(portal, emulator):
    emulator.state.update_settings(portal_rate=1, portal_burst=1)
    client = one_try("sso-oidc")
    for _ in range(3):
        client.register_client(clientName="q", clientType="public")
    assert emulator.state.snapshot()["refused"] == 0


def test_account_pages_carry_tokens_that_cannot_be_made_up(portal, emulator):
    emulator.state.org = Org.generated(5)
    client = one_try("sso")
    first = client.list_accounts(accessToken=portal._token, maxResults=2)
    assert not first["nextToken"].isdigit()
    second = client.list_accounts(accessToken=portal._token, maxResults=2,
                                  nextToken=first["nextToken"])
    assert [a["accountId"] for a in second["accountList"]] == [
        "100000000002", "100000000003"]
    with pytest.raises(ClientError, match="InvalidRequestException"):
        client.list_accounts(accessToken=portal._token, nextToken="2")


def test_an_org_of_thousands_is_generated_without_a_file(tmp_path):
    org = Org.generated(5000, roles=3)
    assert len(org.accounts) == 5000
    assert org.accounts[4999].roles == ("ReadOnlyAccess", "DataScientist", "AdministratorAccess")
    assert org.account("100000004999") is org.accounts[4999]


# ---- listing at the quota ----------------------------------------------------------------------

def test_listing_at_the_quota_finishes_with_few_refusals(scaled):
    portal, emulator = scaled
    emulator.state.org = Org.generated(60, roles=2)
    emulator.state.update_settings(portal_rate=5, portal_burst=5)
    listing = portal.account_roles()
    assert len(listing) == 60 and all(len(a.roles) == 2 for a in listing)
    # 16 workers that only backed off are refused several times for each call answered
    # (and give up); paced, a small share is refused while the limit probes.
    answered = len(portal_calls(emulator)) - emulator.state.snapshot()["refused"]
    print(f"refused {emulator.state.snapshot()['refused']} for {answered} answered")
    assert emulator.state.snapshot()["refused"] <= answered // 2


def test_the_listing_paces_itself_once_the_portal_throttles(scaled):
    portal, emulator = scaled
    emulator.state.org = Org.generated(40)
    emulator.state.update_settings(portal_rate=5, portal_burst=5)
    portal.account_roles()
    assert portal.limiter.quota == pytest.approx(5, abs=2.5)


def test_a_deadline_too_short_for_the_org_says_how_far_it_got(scaled):
    portal, emulator = scaled
    emulator.state.org = Org.generated(200)
    emulator.state.update_settings(portal_rate=5, portal_burst=5)
    with pytest.raises(ListingIncompleteError) as caught:
        portal.account_roles(deadline=Deadline(portal.runtime, 4))
    error = caught.value
    assert 0 < error.listed < 200
    # All 200 found, or (a loaded machine) only the first page of accounts by then.
    assert re.match(rf"Listed the roles of {error.listed} of (200|at least 100) accounts in "
                    r"4s; the AWS access portal allows about ", str(error)), str(error)
    assert "need about" in str(error)
    assert "populate --dry-run" in str(error)


def test_a_listing_shown_without_progress_ends_at_the_actions_deadline(scaled):
    """Nothing on screen while it runs (`%sso accounts`, whoami's names): the listing ends
    within the action's deadline, saying how far it got, not after the quota's minutes."""
    portal, emulator = scaled
    emulator.state.org = Org.generated(200)
    emulator.state.update_settings(portal_rate=2, portal_burst=2)
    clock_started = portal.runtime.now()
    with pytest.raises(ListingIncompleteError) as caught:
        list_account_roles(portal.session, portal.runtime)
    assert 0 < caught.value.listed < 200
    assert (portal.runtime.now() - clock_started).total_seconds() <= 60


def test_a_listing_that_shows_its_progress_lists_an_org_larger_than_the_deadline(scaled):
    """populate shows its progress all along: it may take as long as the quota needs."""
    portal, emulator = scaled
    emulator.state.org = Org.generated(100)
    emulator.state.update_settings(portal_rate=2, portal_burst=2)
    started, seen = portal.runtime.now(), []
    listed = list_account_roles(portal.session, portal.runtime, progress=seen.append)
    assert len(listed) == 100 and seen[-1].listed == 100
    assert (portal.runtime.now() - started).total_seconds() > ACTION_DEADLINE


def test_progress_is_reported_up_to_every_account(portal, emulator):
    emulator.state.org = Org.generated(30)
    seen: list[ListingProgress] = []
    portal.account_roles(progress=seen.append)
    assert [p.listed for p in seen] == sorted(p.listed for p in seen)
    assert seen[-1].listed == seen[-1].found == 30 and seen[-1].all_found


def test_a_progress_line_rewrites_itself_on_a_terminal_and_is_cleared_at_the_end():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = [0.0]
    stream = Tty()
    with ProgressLine(stream, clock=lambda: now[0]) as line:
        for listed in (1, 2, 3):
            now[0] += 1
            line.show(ListingProgress(listed, 10, True, 5.0))
    assert stream.getvalue().count("\r\033[K") == 4
    assert "Listed the roles of 3 of 10 accounts (the portal allows 5 calls a second: about " \
           "1s left)." in stream.getvalue()


# ---- the limiter -------------------------------------------------------------------------------

def test_a_throttle_after_a_busy_second_limits_to_what_was_accepted():
    limiter = rate_limit.AdaptiveRate()
    for i in range(20):
        limiter.accepted(100 + i * 0.05)
    assert limiter.refused(101.0)
    assert limiter.quota == 20
    assert limiter.rate == pytest.approx(20 * rate_limit.BACKOFF)
    assert limiter.reserve(101.0) == 0
    assert limiter.reserve(101.0) == pytest.approx(1 / 18)


def test_a_throttle_on_a_quiet_client_sets_no_limit():
    limiter = rate_limit.AdaptiveRate()
    limiter.accepted(100.0)
    assert not limiter.refused(100.5)
    assert limiter.rate is None


def test_the_limit_climbs_back_then_probes_past_the_quota():
    limiter = rate_limit.AdaptiveRate()
    for i in range(10):
        limiter.accepted(100 + i * 0.1)
    limiter.refused(101.0)
    limiter.reserve(101.0 + rate_limit.RECOVER)
    assert limiter.rate == pytest.approx(10)
    limiter.reserve(101.0 + rate_limit.RECOVER + 5)
    assert limiter.rate == pytest.approx(10 * (1 + rate_limit.PROBE * 25))


def test_a_limit_left_unused_is_forgotten():
    limiter = rate_limit.AdaptiveRate()
    for i in range(10):
        limiter.accepted(100 + i * 0.1)
    limiter.refused(101.0)
    assert limiter.reserve(101.0 + rate_limit.FORGET_AFTER + 1) == 0
    assert limiter.rate is None


# ---- one listing per sign-in, for every process ------------------------------------------------

def ssomagic_exe(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60, check=False)


def test_another_process_reuses_the_sign_ins_listing(signed_in_session, live_emulator):
    first = ssomagic_exe("accounts", "--json")
    assert first.returncode == 0, first.stderr
    made = len(portal_calls(live_emulator))
    assert made > 0
    again = ssomagic_exe("populate", "acme", "--dry-run")
    assert again.returncode == 0, again.stderr
    assert "5 would be added" in again.stdout
    assert len(portal_calls(live_emulator)) == made
    assert json.loads(ssomagic_exe("accounts", "--json").stdout) == json.loads(first.stdout)


def test_the_listing_file_holds_no_secret_and_is_private(signed_in_session, live_emulator):
    api.accounts(sso_session="acme", runtime=signed_in_session)
    path = listing_cache.path(load_config(signed_in_session).session("acme"), signed_in_session)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    text = path.read_text()
    assert not [s for s in live_emulator.state.issued_secrets() if s in text]


def test_logout_drops_the_listing(signed_in_session, live_emulator):
    api.accounts(sso_session="acme", runtime=signed_in_session)
    session = load_config(signed_in_session).session("acme")
    assert listing_cache.path(session, signed_in_session).exists()
    api.logout(sso_session="acme", runtime=signed_in_session)
    assert not listing_cache.path(session, signed_in_session).exists()


def test_a_new_sign_in_lists_again(signed_in_session, live_emulator):
    api.accounts(sso_session="acme", runtime=signed_in_session)
    made = len(portal_calls(live_emulator))
    with Approver(live_emulator):
        api.login(sso_session="acme", runtime=signed_in_session, force=True,
                  listener=lambda e: None)
    api.accounts(sso_session="acme", runtime=signed_in_session)
    assert len(portal_calls(live_emulator)) > made


def test_populate_refresh_and_prune_list_afresh(signed_in_session, live_emulator):
    api.populate("acme", runtime=signed_in_session)
    made = len(portal_calls(live_emulator))
    api.populate("acme", refresh=True, runtime=signed_in_session)
    assert len(portal_calls(live_emulator)) > made
    made = len(portal_calls(live_emulator))
    api.populate("acme", prune=True, runtime=signed_in_session)
    assert len(portal_calls(live_emulator)) > made


def test_a_progress_bar_in_the_notebook_ends_where_the_listing_did():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from ssomagic.notebook.progress import ProgressBar

    InteractiveShell.instance()
    now = [0.0]
    with capture_output() as captured, ProgressBar(clock=lambda: now[0]) as bar:
        for listed in (10, 20, 30):
            now[0] += 1
            bar.show(ListingProgress(listed, 30, True, 20.0))
    last = captured.outputs[-1].data
    assert last["text/plain"] == "Listed the roles of 30 of 30 accounts."
    assert '<progress value="30" max="30"' in last["text/html"]
    assert len(captured.outputs) == 4  # shown once, updated in place at each step and the end
