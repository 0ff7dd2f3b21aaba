"""The secrets this machine's caches hold (engine/files/known_secrets.py), read at the moment a
traceback is shown, and scrubbed from it even where no pattern would know them."""

from __future__ import annotations

import json

from ssomagic.engine.aws.credential_patterns import REDACTED
from ssomagic.engine.files.known_secrets import known_secrets, scrub

ACCESS = "a-bare-access-token-of-no-known-shape"
REFRESH = "a-bare-refresh-token-of-no-known-shape"
CLIENT_SECRET = "a-bare-client-secret-of-no-known-shape"
SECRET_KEY = "a-bare-secret-key-of-no-known-shape"
SESSION_TOKEN = "a-bare-session-token-of-no-known-shape"


def cache(runtime, folder: str, name: str, document: object) -> None:
    path = runtime.home / ".aws" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))


def test_tokens_client_secrets_and_role_credentials_are_known(runtime):
    cache(runtime, "sso/cache", "token.json", {"startUrl": "https://x", "accessToken": ACCESS,
                                               "refreshToken": REFRESH})
    cache(runtime, "sso/cache", "registration.json", {"clientId": "client-id-is-no-secret",
                                                      "clientSecret": CLIENT_SECRET})
    cache(runtime, "cli/cache", "role.json", {"ProviderType": "sso", "Credentials": {
        "AccessKeyId": "ASIAQWERTYUIOPASDFGH", "SecretAccessKey": SECRET_KEY,
        "SessionToken": SESSION_TOKEN, "Expiration": "2026-12-02T10:00:00Z"}})
    assert known_secrets(runtime) == {ACCESS, REFRESH, CLIENT_SECRET, SECRET_KEY, SESSION_TOKEN}


def test_no_caches_know_no_secrets(runtime):
    assert known_secrets(runtime) == set()


def test_short_values_damaged_files_links_and_other_files_are_passed_over(runtime, tmp_path):
    cache(runtime, "sso/cache", "short.json", {"accessToken": "fifteen-chars!!"})
    cache(runtime, "sso/cache", "list.json", [ACCESS])
    cache(runtime, "cli/cache", "no-credentials.json", {"Credentials": "none"})
    (runtime.sso_cache_dir / "broken.json").write_text("{")
    (runtime.sso_cache_dir / "notes.txt").write_text(json.dumps({"accessToken": ACCESS}))
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"accessToken": REFRESH}))
    (runtime.sso_cache_dir / "link.json").symlink_to(elsewhere)
    assert known_secrets(runtime) == set()


def test_a_damaged_file_or_a_link_does_not_hide_the_files_after_it(runtime, tmp_path):
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}")
    for n in range(8):  # whichever order the folder lists them in
        cache(runtime, "sso/cache", f"good-{n}.json", {"accessToken": f"{ACCESS}-{n}"})
        (runtime.sso_cache_dir / f"broken-{n}.json").write_text("{")
        (runtime.sso_cache_dir / f"link-{n}.json").symlink_to(elsewhere)
    assert known_secrets(runtime) == {f"{ACCESS}-{n}" for n in range(8)}


def test_a_value_of_sixteen_characters_is_a_secret(runtime):
    cache(runtime, "sso/cache", "token.json", {"accessToken": "sixteen-chars!!!"})
    assert known_secrets(runtime) == {"sixteen-chars!!!"}


def test_scrub_removes_known_secrets_longest_first_and_what_looks_like_one():
    inner = ACCESS[5:]
    text = f"bearer = {ACCESS!r}, part {inner}, aws_secret_access_key = {'K' * 20}"
    assert scrub(text, {ACCESS, inner}) == (
        f"bearer = '{REDACTED}', part {REDACTED}, aws_secret_access_key = {REDACTED}")


def test_scrub_leaves_text_without_secrets_as_it_is():
    assert scrub("account 111122223333, role ReadOnly", {ACCESS}) == (
        "account 111122223333, role ReadOnly")
