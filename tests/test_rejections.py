"""What ssomagic remembers of a token the server refused (engine/files/rejections.py): per
sso-session, by digest only, and forgotten by logout however it names the session."""

from __future__ import annotations

import hashlib
import json

from ssomagic.engine.config.read import SsoSession
from ssomagic.engine.files import rejections

SSO = SsoSession("my-sso", "https://d-1234567890.awsapps.com/start", "us-east-1")
OTHER = SsoSession("other", "https://d-9999999999.awsapps.com/start", "us-east-1")


def test_a_refused_token_is_remembered_for_its_session_by_digest(runtime):
    rejections.remember(SSO, "aoa-refused", runtime)
    assert rejections.is_rejected(SSO, "aoa-refused", runtime)
    assert not rejections.is_rejected(SSO, "aoa-a-new-one", runtime)
    assert not rejections.is_rejected(OTHER, "aoa-refused", runtime)
    path = runtime.own_cache_dir / f"rejected-{SSO.cache_key}.json"
    assert json.loads(path.read_text()) == {
        "token_sha256": hashlib.sha256(b"aoa-refused").hexdigest()}


def test_logout_forgets_it_by_the_token_files_cache_key_or_by_the_session(runtime):
    rejections.remember(SSO, "aoa-refused", runtime)
    rejections.forget(SSO.cache_key, runtime)  # as logout --all names it, from the file
    assert not rejections.is_rejected(SSO, "aoa-refused", runtime)
    rejections.remember(SSO, "aoa-refused", runtime)
    rejections.forget(SSO, runtime)
    assert not rejections.is_rejected(SSO, "aoa-refused", runtime)
    rejections.forget(SSO, runtime)  # nothing left: nothing to do


def test_a_damaged_memory_of_a_refusal_is_no_refusal(runtime):
    rejections.remember(SSO, "aoa-refused", runtime)
    path = runtime.own_cache_dir / f"rejected-{SSO.cache_key}.json"
    for content in ("", "[]", '{"token_sha256": 7}'):
        path.write_text(content)
        assert not rejections.is_rejected(SSO, "aoa-refused", runtime)
