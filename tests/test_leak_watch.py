"""The suite-wide leak watch (leak_watch.py) sees what it is there to see: a secret in a log
record, in an error and in a repr each fail the test they happen in."""

from __future__ import annotations

import logging

from helpers import approve_when_asked
from leak_watch import WATCH

from ssomagic import api
from ssomagic.engine.config.read import SsoSession
from ssomagic.engine.errors import SsoMagicError


def test_a_secret_in_a_log_an_error_or_a_repr_is_caught(config_file, runtime, emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    secret = next(s for s in emulator.state.issued_secrets() if len(s) >= 16)
    logging.getLogger("ssomagic").debug("%s", secret)  # no label: past the redaction
    SsoMagicError(f"server said {secret}")
    SsoSession(secret, "https://example.awsapps.com/start", "us-east-1")
    seen = WATCH.leaks()
    WATCH.start()  # caught here on purpose: the test's own teardown check starts clean
    assert any(s.startswith("log ssomagic: <SECRET>") for s in seen)
    assert any(s.startswith("error SsoMagicError: server said <SECRET>") for s in seen)
    assert any(s.startswith("repr SsoSession: SsoSession(name='<SECRET>'") for s in seen)
    assert not any(secret in s for s in seen)  # the report never repeats the secret


def test_ssomagics_own_debug_records_of_a_whole_sign_in_hold_no_secret(config_file, runtime,
                                                                        emulator, clock):
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=lambda event: None)
    api.export_credentials("dev", runtime=runtime)
    assert WATCH.records.texts, "DEBUG records of botocore were captured"
    assert WATCH.leaks() == []
