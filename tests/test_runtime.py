"""Where ssomagic finds HOME, the config file, the profile in effect and the time to wait
(engine/runtime.py): as botocore and the AWS CLI resolve them, from the runtime alone."""

from __future__ import annotations

import threading
import time
from datetime import timezone
from pathlib import Path

import pytest

from ssomagic.engine.runtime import Runtime, utc_now


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "someone"


def test_every_file_lives_under_the_runtimes_home(home):
    runtime = Runtime(home=home, environ={})
    assert runtime.config_file == home / ".aws" / "config"
    assert runtime.sso_cache_dir == home / ".aws" / "sso" / "cache"
    assert runtime.own_cache_dir == home / ".aws" / "sso" / "ssomagic"
    assert runtime.cli_cache_dir == home / ".aws" / "cli" / "cache"


@pytest.mark.parametrize(("configured", "where"), [
    ("~/team/config", "HOME/team/config"),
    ("~", "HOME"),
    ("/etc/aws/config", "/etc/aws/config"),
    ("$TEAM_DIR/config", "/srv/team/config"),
])
def test_aws_config_file_is_expanded_against_the_runtimes_home(home, monkeypatch, configured,
                                                                where):
    monkeypatch.setenv("TEAM_DIR", "/srv/team")
    runtime = Runtime(home=home, environ={"AWS_CONFIG_FILE": configured})
    assert runtime.config_file == Path(where.replace("HOME", str(home)))


def test_an_empty_aws_config_file_means_the_default_place(home):
    assert Runtime(home=home, environ={"AWS_CONFIG_FILE": ""}).config_file == (
        home / ".aws" / "config")


@pytest.mark.parametrize(("environ", "named"), [
    ({}, "default"),
    ({"AWS_DEFAULT_PROFILE": "legacy"}, "legacy"),
    ({"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "legacy"}, "dev"),
])
def test_the_profile_in_effect_is_aws_profile_then_aws_default_profile_then_default(
        home, environ, named):
    runtime = Runtime(home=home, environ=environ)
    assert runtime.profile_name(None) == named
    assert runtime.profile_name("given") == "given"


def test_an_injected_sleep_passes_the_time_instead_of_waiting(home):
    slept: list[float] = []
    Runtime(home=home, sleep=slept.append).wait(30.0, threading.Event())
    assert slept == [30.0]


def test_a_real_wait_ends_at_once_on_cancel(home):
    cancel = threading.Event()
    cancel.set()
    started = time.monotonic()
    Runtime(home=home).wait(30.0, cancel)
    assert time.monotonic() - started < 5


def test_a_real_wait_without_cancel_sleeps(home):
    started = time.monotonic()
    Runtime(home=home).wait(0.05)
    assert time.monotonic() - started >= 0.05


def test_a_real_wait_with_a_cancel_never_set_ends_at_its_time(home):
    started = time.monotonic()
    Runtime(home=home).wait(0.05, threading.Event())
    assert 0.05 <= time.monotonic() - started < 5


def test_the_clock_is_utc():
    assert utc_now().tzinfo == timezone.utc
