"""Bad input by property: whatever a config file, a cache file or a service's answer holds,
only ssomagic's own errors come out (one line, saying what to do), and no file is lost."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssomagic.engine.aws import gateway
from ssomagic.engine.config.read import SsoSession, load_config
from ssomagic.engine.config.write import set_profile
from ssomagic.engine.errors import BadAnswerError, SsoMagicError
from ssomagic.engine.files.token_cache import TokenCache
from ssomagic.engine.runtime import Runtime
from ssomagic.engine.signin.session_status import session_status

EXAMPLES = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
SESSION = SsoSession("my-sso", "https://d-1234567890.awsapps.com/start", "us-east-1")
INI_ISH = st.text(alphabet=st.sampled_from(list("[]=:#;\n \t\"'abcdefprofilesso_-\\\x00\xe9")),
                  max_size=200)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4), max_leaves=12)


@pytest.fixture(autouse=True)
def no_mid_write_waits(monkeypatch):
    """Every example writes its file a moment before reading it, which is what a save in
    progress looks like: waiting for each to settle would only slow the search down (the
    waits have tests of their own in test_config_race and test_token_cache)."""
    from ssomagic.engine import timing

    monkeypatch.setattr(timing, "MID_WRITE", 0.0)
    monkeypatch.setattr(timing, "LINGER", 0.0)


def fresh_home() -> tuple[Path, Runtime]:
    home = Path(tempfile.mkdtemp(prefix="ssomagic-prop-"))
    return home, Runtime(home=home, environ={"AWS_CONFIG_FILE": str(home / "config")})


@EXAMPLES
@given(text=INI_ISH | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_config_text_reads_or_says_what_is_wrong_and_is_never_lost(text):
    home, runtime = fresh_home()
    path = home / "config"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    before = path.read_bytes()
    try:
        config = load_config(runtime)
        config.sso_profiles()
        config.sessions()
    except SsoMagicError as exc:
        assert "\n" not in str(exc)
    try:
        set_profile("added", {"region": "eu-west-1"}, runtime)
    except SsoMagicError:
        assert path.read_bytes() == before  # a file it cannot read is never rewritten
    else:
        assert before.rstrip(b"\n") in path.read_bytes()  # everything kept, section added


@EXAMPLES
@given(content=st.binary(max_size=300) | JSONISH.map(lambda v: json.dumps(v).encode()))
def test_any_token_file_reads_as_a_token_or_signed_out_never_a_traceback(content):
    _, runtime = fresh_home()
    cache = TokenCache(runtime)
    path = cache.token_path(SESSION)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    cache.load_token(SESSION)
    status = session_status(SESSION, runtime)
    assert status.state in ("signed in", "expired", "signed out", "unreadable")
    assert path.read_bytes() == content  # reading never changes it


@EXAMPLES
@given(answer=JSONISH)
def test_any_service_answer_is_taken_or_refused_in_one_line(answer):
    target = gateway.Target("sso", "us-east-1", "my-sso", "dev")
    try:
        found = gateway.expect(answer, "accountList", doing="list your accounts", target=target)
    except BadAnswerError as exc:
        assert "\n" not in str(exc) and "what the API promises" in str(exc)
    else:
        assert isinstance(found, dict) and found["accountList"] is not None
