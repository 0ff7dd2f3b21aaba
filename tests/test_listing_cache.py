"""A sign-in's listing kept for every process (engine/files/listing_cache.py): reused by the same
sign-in while it is young, never by another, never from a folder others can write, and anything
it cannot read counts as no listing (so the portal is asked again), never as an error."""

from __future__ import annotations

import json
import stat
from datetime import timedelta

import pytest

from ssomagic.engine.access.portal import AccountInfo, AccountRoles
from ssomagic.engine.config.read import SsoSession
from ssomagic.engine.files import listing_cache
from ssomagic.engine.timing import LISTING_MAX_AGE

SSO = SsoSession("my-sso", "https://d-1234567890.awsapps.com/start", "us-east-1")
TOKEN = "aoa-the-access-token"
ACCOUNTS = [AccountInfo("111122223333", "analytics-dev", "dev@example.com"),
            AccountInfo("444455556666", "analytics-prod", "")]
ROLES = {"111122223333": ("DataScientist", "ReadOnlyAccess"), "444455556666": ("ReadOnlyAccess",)}


def test_a_listing_is_read_back_by_the_sign_in_that_made_it(runtime):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    found = listing_cache.read(SSO, TOKEN, runtime)
    assert found is not None and found.accounts == tuple(ACCOUNTS) and found.roles == ROLES
    assert found.account_roles() == [AccountRoles(ACCOUNTS[0], ROLES["111122223333"]),
                                     AccountRoles(ACCOUNTS[1], ROLES["444455556666"])]


def test_accounts_listed_without_their_roles_say_so(runtime):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS)
    found = listing_cache.read(SSO, TOKEN, runtime)
    assert found is not None and found.roles is None and found.account_roles() is None


def test_an_account_missing_from_the_roles_has_none(runtime):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, {"111122223333": ("DataScientist",)})
    found = listing_cache.read(SSO, TOKEN, runtime)
    assert found is not None
    assert [r.roles for r in found.account_roles() or []] == [("DataScientist",), ()]


def test_another_sign_in_does_not_reuse_it(runtime):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    assert listing_cache.read(SSO, "aoa-a-refreshed-token", runtime) is None


def test_a_listing_older_than_its_age_is_listed_again(runtime, clock):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    clock.advance(LISTING_MAX_AGE.total_seconds())
    assert listing_cache.read(SSO, TOKEN, runtime) is not None  # at its age: still young
    clock.advance(1)
    assert listing_cache.read(SSO, TOKEN, runtime) is None


def test_a_listing_from_the_future_is_not_believed(runtime, clock):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    clock.advance(-60)
    assert listing_cache.read(SSO, TOKEN, runtime) is None


def test_the_file_is_private_holds_no_token_and_names_the_session(runtime):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    path = listing_cache.path(SSO, runtime)
    assert path == runtime.home / ".aws" / "sso" / "ssomagic" / f"listing-{SSO.cache_key}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert TOKEN not in text
    document = json.loads(text)
    assert (document["version"], document["session"]) == (1, "my-sso")
    assert document["listedAt"] == runtime.now().isoformat()
    assert document["accounts"][0] == {"id": "111122223333", "name": "analytics-dev",
                                       "email": "dev@example.com"}


@pytest.mark.parametrize("content", [
    "", "{", "[]", '{"version": 2}', "null",
    '{"version": 1, "signIn": "%s"}',  # no listedAt
    '{"version": 1, "signIn": "%s", "listedAt": "yesterday", "accounts": []}',
    '{"version": 1, "signIn": "%s", "listedAt": "%s", "accounts": [{"name": "x"}]}',
    '{"version": 1, "signIn": "%s", "listedAt": "%s", "accounts": [], "roles": ["x"]}',
    '{"version": 1, "signIn": "%s", "listedAt": "%s", "accounts": 7}',
])
def test_a_file_it_cannot_read_is_no_listing(runtime, content):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    path = listing_cache.path(SSO, runtime)
    document = json.loads(path.read_text())
    if content.count("%s") == 2:
        content = content % (document["signIn"], document["listedAt"])
    elif "%s" in content:
        content = content % document["signIn"]
    path.write_text(content)
    assert listing_cache.read(SSO, TOKEN, runtime) is None


def test_a_listing_in_a_folder_others_can_write_is_neither_read_nor_written(runtime):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    folder = listing_cache.path(SSO, runtime).parent
    folder.chmod(0o777)
    assert listing_cache.read(SSO, TOKEN, runtime) is None
    listing_cache.path(SSO, runtime).unlink()
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)  # no error: a cache
    assert not listing_cache.path(SSO, runtime).exists()


def test_a_listing_that_cannot_be_written_is_no_error(runtime):
    folder = listing_cache.path(SSO, runtime).parent
    folder.parent.mkdir(parents=True, mode=0o700)
    folder.write_text("a file where the folder should be")
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    assert listing_cache.read(SSO, TOKEN, runtime) is None


def test_forgetting_removes_the_listing_and_its_leftovers(runtime):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    path = listing_cache.path(SSO, runtime)
    leftover = path.with_name(f".{path.name}.k3j2h1.tmp")  # a killed writer's
    leftover.write_text("{}")
    listing_cache.forget(SSO.cache_key, runtime)
    assert not path.exists() and list(path.parent.iterdir()) == []
    listing_cache.forget(SSO, runtime)  # nothing there: nothing to do


def test_a_listing_is_kept_per_sso_session(runtime):
    other = SsoSession("other", "https://d-9999999999.awsapps.com/start", "eu-west-1")
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    assert listing_cache.read(other, TOKEN, runtime) is None



def test_an_account_written_without_an_email_reads_back_with_none(runtime):
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    path = listing_cache.path(SSO, runtime)
    document = json.loads(path.read_text())
    del document["accounts"][0]["email"]
    path.write_text(json.dumps(document))
    found = listing_cache.read(SSO, TOKEN, runtime)
    assert found is not None and found.accounts[0].email == ""


def test_the_listing_time_is_written_in_utc_whatever_the_zone(runtime, in_tokyo):
    from datetime import timezone

    from ssomagic.engine.runtime import Runtime

    paris = timezone(timedelta(hours=1))
    local = Runtime(home=runtime.home, environ={}, now=lambda: runtime.now().astimezone(paris))
    listing_cache.write(SSO, TOKEN, local, ACCOUNTS, ROLES)
    listed_at = json.loads(listing_cache.path(SSO, runtime).read_text())["listedAt"]
    assert listed_at.endswith("+00:00") and listed_at == runtime.now().isoformat()


def test_a_listing_the_disk_refuses_is_no_error(runtime):
    listing_cache.path(SSO, runtime).mkdir(parents=True)  # a folder where the file goes
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    assert listing_cache.read(SSO, TOKEN, runtime) is None


def test_a_listing_in_a_folder_that_refuses_files_is_no_error(runtime, monkeypatch):
    import tempfile

    def refused(**kwargs):
        raise PermissionError(kwargs["dir"])

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    listing_cache.write(SSO, TOKEN, runtime, ACCOUNTS, ROLES)
    assert not listing_cache.path(SSO, runtime).exists()
