"""The lock that keeps one sign-in per sso-session across processes and threads
(engine/files/session_lock.py): where it lives, that it is private, how long each way of taking
it waits, and its refusals' words."""

from __future__ import annotations

import stat
import threading
import time

import pytest

from ssomagic.engine.config.read import SsoSession
from ssomagic.engine.errors import LocalStateError, LoginCancelledError
from ssomagic.engine.files.session_lock import SessionLock

SSO = SsoSession("my-sso", "https://d-1234567890.awsapps.com/start", "us-east-1")


def test_the_lock_is_a_private_file_beside_the_caches_named_for_the_session(runtime):
    lock = SessionLock(SSO, runtime)
    assert lock.path == runtime.own_cache_dir / f"session-{SSO.cache_key}.lock"
    assert lock.try_acquire()
    try:
        assert lock.path.exists() and stat.S_IMODE(lock.path.stat().st_mode) == 0o600
    finally:
        lock.release()


def test_trying_a_held_lock_answers_at_once(runtime):
    holder, other = SessionLock(SSO, runtime), SessionLock(SSO, runtime)
    assert holder.try_acquire()
    try:
        started = time.monotonic()
        assert not other.try_acquire()
        assert time.monotonic() - started < 0.5
    finally:
        holder.release()
    assert other.try_acquire()
    other.release()


def test_waiting_for_a_held_lock_ends_at_its_timeout_or_when_let_go(runtime):
    holder, other = SessionLock(SSO, runtime), SessionLock(SSO, runtime)
    assert holder.try_acquire()
    started = time.monotonic()
    assert other.acquire(timeout=0.3) is False
    assert 0.25 < time.monotonic() - started < 3
    threading.Timer(0.2, holder.release).start()
    assert other.acquire(timeout=10) is True
    other.release()


def test_a_held_lock_is_waited_for_until_cancelled(runtime):
    holder, other = SessionLock(SSO, runtime), SessionLock(SSO, runtime)
    assert holder.try_acquire()
    cancel, waits = threading.Event(), []
    threading.Timer(0.3, cancel.set).start()
    try:
        with pytest.raises(LoginCancelledError), other.held(cancel=cancel,
                                                             on_wait=lambda: waits.append(1)):
            pass
    finally:
        holder.release()
    assert waits  # told the caller it was waiting


def test_a_free_lock_is_held_without_waiting(runtime):
    with SessionLock(SSO, runtime).held() as waited:
        assert waited is False


def test_a_lock_folder_others_may_write_is_refused_naming_locks(runtime):
    runtime.own_cache_dir.mkdir(parents=True)
    runtime.own_cache_dir.chmod(0o777)
    with pytest.raises(LocalStateError, match="will not use sign-in locks in "):
        SessionLock(SSO, runtime)


def test_a_lock_that_is_a_link_is_refused(runtime, tmp_path):
    runtime.own_cache_dir.mkdir(parents=True, mode=0o700)
    (runtime.own_cache_dir / f"session-{SSO.cache_key}.lock").symlink_to(tmp_path / "x")
    with pytest.raises(LocalStateError, match="does not follow links for locks, since"):
        SessionLock(SSO, runtime)
