"""The access portal: accounts and roles listed concurrently, throttling absorbed, role
credentials, and a "No access" that names the roles the user does have."""

from __future__ import annotations

import threading
from datetime import timezone

import pytest

from ssomagic.emulator import Org
from ssomagic.engine.errors import BadAnswerError, NoAccessError, NotSignedInError
from ssomagic.engine.timing import RETRY_ATTEMPTS


def test_accounts_are_listed_with_their_names(portal):
    assert [(a.account_id, a.name) for a in portal.accounts()] == [
        ("111122223333", "analytics-dev"), ("444455556666", "analytics-prod"),
        ("777788889999", "sandbox")]


def test_every_page_is_followed(portal, emulator):
    emulator.state.org = Org.generated(45)
    portal.page_size = 10
    assert len(portal.accounts()) == 45
    assert len(emulator.state.requests("ListAccounts")) == 5


def test_account_roles_lists_each_accounts_roles_in_account_order(portal):
    listing = portal.account_roles()
    assert [(r.account.name, r.roles) for r in listing] == [
        ("analytics-dev", ("DataScientist", "ReadOnlyAccess")),
        ("analytics-prod", ("ReadOnlyAccess",)),
        ("sandbox", ("AdministratorAccess", "DataScientist"))]


def test_roles_are_listed_concurrently_with_a_bounded_pool(portal, emulator):
    emulator.state.org = Org.generated(40)
    emulator.state.set_fault("ListAccountRoles", latency=0.05)
    portal.max_workers = 8
    active, peak, lock = [0], [0], threading.Lock()
    original = portal.roles

    def counting(account_id, deadline=None):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            return original(account_id, deadline)
        finally:
            with lock:
                active[0] -= 1

    portal.roles = counting
    assert len(portal.account_roles()) == 40
    assert peak[0] == 8


def test_throttling_never_reaches_the_caller(portal, emulator, clock):
    emulator.state.org = Org.generated(30)
    # Fewer throttles than retry attempts, so that even one unlucky call absorbs them all.
    emulator.state.set_fault("ListAccountRoles", throttle=RETRY_ATTEMPTS - 1)
    emulator.state.set_fault("ListAccounts", throttle=2)
    assert len(portal.account_roles()) == 30
    throttled = [r for r in emulator.state.requests() if r["status"] == 429]
    assert len(throttled) == RETRY_ATTEMPTS + 1


def test_role_credentials_come_with_their_expiry(portal, clock, emulator):
    creds = portal.role_credentials("111122223333", "DataScientist")
    assert creds.access_key_id.startswith("ASIA")
    assert creds.expiration.tzinfo == timezone.utc
    assert (creds.expiration - clock.now()).total_seconds() == pytest.approx(3600, abs=1)
    assert creds.secret_access_key not in repr(creds)
    assert creds.session_token not in repr(creds)
    assert {creds.secret_access_key, creds.session_token} <= set(
        emulator.state.issued_secrets())  # the ones the portal gave, each in its place


def test_no_access_lists_the_roles_the_user_has_in_that_account(portal):
    with pytest.raises(NoAccessError) as caught:
        portal.role_credentials("444455556666", "DataScientist")
    assert str(caught.value) == ("No access to role DataScientist in account 444455556666. "
                                 "Roles you do have in 444455556666: ReadOnlyAccess.")


def test_a_revoked_token_reads_as_not_signed_in(portal, emulator):
    emulator.state.revoke_tokens()
    with pytest.raises(NotSignedInError, match="ssomagic login dev"):
        portal.accounts()


HINT = ("A proxy or a wrong AWS_ENDPOINT_URL_* setting often does this; check them, then try "
        "again.")


def answered(doing: str, detail: str) -> str:
    return (f"The AWS access portal answered the request to {doing} with something that is not "
            f"what the API promises ({detail}). {HINT}")


@pytest.mark.parametrize(("operation", "body", "call", "words"), [
    ("ListAccounts", {"accountList": None}, lambda p: p.accounts(),
     answered("list your accounts", "missing accountList")),
    ("ListAccounts", {"accountList": ["111122223333"]}, lambda p: p.accounts(),
     answered("list your accounts", "AttributeError")),  # botocore's parser gave up on it
    ("ListAccounts", {"accountList": [{"accountName": "no id"}]}, lambda p: p.accounts(),
     answered("list your accounts", "an account has no id")),
    ("ListAccountRoles", {"roleList": [{"accountId": "111122223333"}]},
     lambda p: p.roles("111122223333"),
     answered("list your roles in account 111122223333", "a role has no name")),
    ("GetRoleCredentials", {"roleCredentials": {"accessKeyId": "ASIA", "secretAccessKey": "s",
                                                "sessionToken": "t", "expiration": 10 ** 20}},
     lambda p: p.role_credentials("111122223333", "DataScientist"),
     answered("give credentials for DataScientist in account 111122223333",
              "expiration is not what it should be")),
    ("GetRoleCredentials", {"roleCredentials": {"accessKeyId": "ASIA", "secretAccessKey": "s",
                                                "sessionToken": "t"}},
     lambda p: p.role_credentials("111122223333", "DataScientist"),
     answered("give credentials for DataScientist in account 111122223333",
              "missing expiration")),
])
def test_a_body_that_is_not_what_the_api_promises_is_one_line_saying_what_to_check(
        portal, emulator, operation, body, call, words):
    emulator.state.set_fault(operation, misshapen=[body] * 5)
    with pytest.raises(BadAnswerError) as refused:
        call(portal)
    assert str(refused.value) == words


@pytest.mark.parametrize("missing", ["accessKeyId", "secretAccessKey", "sessionToken"])
def test_role_credentials_without_a_key_are_refused_naming_it(portal, emulator, missing):
    creds = {"accessKeyId": "ASIA", "secretAccessKey": "s", "sessionToken": "t",
             "expiration": 1893456000000}
    emulator.state.set_fault("GetRoleCredentials",
                             misshapen=[{"roleCredentials": {k: v for k, v in creds.items()
                                                             if k != missing}}])
    with pytest.raises(BadAnswerError) as refused:
        portal.role_credentials("111122223333", "DataScientist")
    assert f"(missing {missing})" in str(refused.value)


def test_an_account_without_a_name_is_named_by_its_id(portal, emulator):
    emulator.state.set_fault("ListAccounts", misshapen=[
        {"accountList": [{"accountId": "111122223333", "emailAddress": "ml@example.com"},
                         {"accountId": "444455556666", "accountName": "prod"}]}])
    assert [(a.account_id, a.name, a.email) for a in portal.accounts()] == [
        ("111122223333", "111122223333", "ml@example.com"), ("444455556666", "prod", "")]


# ---- why a sign-in cannot serve, word for word (not_signed_in) ------------------------------

def test_a_sign_in_never_made_says_so_and_how_to_sign_in_the_profile(config_file, runtime,
                                                                     emulator):
    from ssomagic import api

    with pytest.raises(NotSignedInError) as refused:
        api.whoami("dev", runtime=runtime)
    assert str(refused.value) == (
        "The SSO session my-sso is not signed in, has expired or was signed out. Sign in "
        "again: `ssomagic login dev`.")
    assert refused.value.profile == "dev"


def test_a_sign_in_that_expired_says_when_and_how_to_sign_in_the_session(
        config_file, runtime, emulator, clock):
    import json

    from helpers import approve_when_asked

    from ssomagic import api
    from ssomagic.engine.access.accounts import accounts
    from ssomagic.engine.config.read import load_config

    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    session = load_config(runtime).profile("dev").sso
    path = runtime.sso_cache_dir / f"{session.cache_key}.json"
    document = json.loads(path.read_text())
    del document["refreshToken"]  # as a token the device flow gave without one
    path.write_text(json.dumps(document))
    clock.advance(9 * 3600)
    with pytest.raises(NotSignedInError) as refused:
        accounts(session, runtime)
    ended = document["expiresAt"][11:16]  # HH:MM of the token's expiry, in UTC
    assert str(refused.value) == (
        f"The sign-in to my-sso expired at {ended} UTC. Sign in again: "
        "`ssomagic login --sso-session my-sso`.")
    assert refused.value.profile is None


def test_a_sign_in_the_service_ended_says_so_and_names_the_profile(config_file, runtime,
                                                                   emulator, clock):
    from helpers import approve_when_asked

    from ssomagic import api
    from ssomagic.engine.access.role_credentials import RoleCredentialFetcher
    from ssomagic.engine.config.read import load_config
    from ssomagic.engine.errors import TokenRejectedError

    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    clock.advance(8 * 3600 - 5 * 60)  # in the refresh window
    emulator.state.revoke_tokens()  # the renewal is refused
    with pytest.raises(TokenRejectedError) as refused:
        RoleCredentialFetcher(load_config(runtime).profile("dev"), runtime).fetch(
            use_cache=False)
    assert str(refused.value) == (
        "IAM Identity Center no longer accepts the sign-in to my-sso: it was signed out, or "
        "an administrator ended it. Sign in again: `ssomagic login dev`.")
    assert refused.value.profile == "dev"
