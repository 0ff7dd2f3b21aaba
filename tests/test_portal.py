"""The access portal: accounts and roles listed concurrently, throttling absorbed, role
credentials, and a "No access" that names the roles the user does have."""

from __future__ import annotations

import threading
from datetime import timezone

import pytest

from ssomagic.emulator import Org
from ssomagic.engine.errors import NoAccessError, NotSignedInError
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


def test_role_credentials_come_with_their_expiry(portal, clock):
    creds = portal.role_credentials("111122223333", "DataScientist")
    assert creds.access_key_id.startswith("ASIA")
    assert creds.expiration.tzinfo == timezone.utc
    assert (creds.expiration - clock.now()).total_seconds() == pytest.approx(3600, abs=1)
    assert creds.secret_access_key not in repr(creds)
    assert creds.session_token not in repr(creds)


def test_no_access_lists_the_roles_the_user_has_in_that_account(portal):
    with pytest.raises(NoAccessError) as caught:
        portal.role_credentials("444455556666", "DataScientist")
    assert str(caught.value) == ("No access to role DataScientist in account 444455556666. "
                                 "Roles you do have in 444455556666: ReadOnlyAccess.")


def test_a_revoked_token_reads_as_not_signed_in(portal, emulator):
    emulator.state.revoke_tokens()
    with pytest.raises(NotSignedInError, match="ssomagic login dev"):
        portal.accounts()
