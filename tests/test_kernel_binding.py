"""The profile bound to the process (engine/binding/kernel_binding.py), on an environment of its
own: what binding sets and removes, what %%sso's snapshot puts back, and when observers hear
of it. No network: binding only makes a boto3 session."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import boto3
import pytest

from ssomagic.engine.binding.kernel_binding import KernelBinding, kernel_binding
from ssomagic.engine.config.read import load_config
from ssomagic.engine.runtime import Runtime


@pytest.fixture
def environ() -> dict[str, str]:
    return {"PATH": "/usr/bin"}


@pytest.fixture
def binding(config_file, runtime, environ) -> Iterator[KernelBinding]:
    before = boto3.DEFAULT_SESSION
    yield KernelBinding(runtime, environ)
    boto3.DEFAULT_SESSION = before


@pytest.fixture
def config(config_file, runtime):
    return load_config(runtime)


def test_binding_sets_the_default_session_the_profile_and_its_region(binding, config, environ):
    assert binding.bind(config.profile("dev")) == []
    assert binding.profile == "dev"
    assert boto3.DEFAULT_SESSION is binding.session_for(config.profile("dev"))
    assert boto3.DEFAULT_SESSION.profile_name == "dev"
    assert environ == {"PATH": "/usr/bin", "AWS_PROFILE": "dev", "AWS_REGION": "eu-west-1",
                       "AWS_DEFAULT_REGION": "eu-west-1"}


def test_the_bound_session_is_in_the_profiles_region_whatever_region_the_process_had(
        binding, config, monkeypatch):
    """The kernel's region variables are the last binding's until this one sets them: the
    session's clients must not take a region from them (prod is in us-east-1)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert binding.session_for(config.profile("prod")).region_name == "us-east-1"


def test_a_profile_without_a_region_removes_the_last_ones(binding, config, environ, config_file):
    config_file.write_text(config_file.read_text().replace("region = us-east-1\n", "", 1))
    binding.bind(config.profile("dev"))
    binding.bind(load_config(binding.runtime).profile("prod"))
    assert "AWS_REGION" not in environ and "AWS_DEFAULT_REGION" not in environ
    assert environ["AWS_PROFILE"] == "prod"


def test_static_keys_that_would_shadow_the_profile_are_removed_and_named(binding, config,
                                                                          environ):
    environ.update(AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="never-shown")
    warnings = binding.bind(config.profile("dev"))
    assert warnings == ["Removed AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from the environment: "
                        "they would have overridden profile dev."]
    assert "AWS_ACCESS_KEY_ID" not in environ and "AWS_SECRET_ACCESS_KEY" not in environ


def test_the_shadowing_rule_names_each_static_key_present(binding, environ):
    assert binding.shadowing() == []
    environ["AWS_SESSION_TOKEN"] = "t"
    assert binding.shadowing() == ["AWS_SESSION_TOKEN"]


def test_unbinding_removes_what_binding_set_and_remembers_the_profile(binding, config, environ):
    assert binding.last_profile is None  # nothing bound yet, nothing bound before
    binding.bind(config.profile("dev"))
    binding.unbind()
    assert boto3.DEFAULT_SESSION is None and environ == {"PATH": "/usr/bin"}
    assert (binding.profile, binding.last_profile) == (None, "dev")
    binding.unbind()  # twice: still the profile bound last
    assert binding.last_profile == "dev"


def test_a_profile_gets_one_session_per_config_version(binding, config, config_file, runtime):
    dev = config.profile("dev")
    assert binding.session_for(dev) is binding.session_for(config.profile("dev"))
    assert binding.session_for(dev) is not binding.session_for(config.profile("prod"))
    config_file.write_text(config_file.read_text().replace("region = eu-west-1\n\n[profile prod]",
                                                           "region = eu-north-1\n\n[profile prod]"))
    assert binding.session_for(load_config(runtime).profile("dev")) is not binding.session_for(dev)
    kept = binding.session_for(dev)
    binding.forget_sessions()
    assert binding.session_for(dev) is not kept


def test_temporarily_puts_everything_back_even_after_an_error(binding, config, environ):
    binding.bind(config.profile("dev"))
    session = boto3.DEFAULT_SESSION
    environ["AWS_SESSION_TOKEN"] = "a user's own"
    with pytest.raises(RuntimeError), binding.temporarily(config.profile("prod")) as warnings:
        assert warnings == ["Removed AWS_SESSION_TOKEN from the environment: they would have "
                            "overridden profile prod."]
        assert environ["AWS_PROFILE"] == "prod" and environ["AWS_REGION"] == "us-east-1"
        raise RuntimeError("the cell failed")
    assert binding.profile == "dev" and boto3.DEFAULT_SESSION is session
    assert environ == {"PATH": "/usr/bin", "AWS_PROFILE": "dev", "AWS_REGION": "eu-west-1",
                       "AWS_DEFAULT_REGION": "eu-west-1", "AWS_SESSION_TOKEN": "a user's own"}


def test_temporarily_from_nothing_bound_leaves_nothing_bound(binding, config, environ):
    with binding.temporarily(config.profile("prod")):
        assert binding.profile == "prod"
    assert binding.profile is None and boto3.DEFAULT_SESSION is None
    assert environ == {"PATH": "/usr/bin"}


def test_observers_hear_each_change_after_it_is_made(binding, config):
    heard = []

    def on_profile(change):
        heard.append((change["name"], change["old"], change["new"], binding.profile,
                      change["owner"] is binding, change["type"]))

    binding.observe(on_profile, names="profile")
    binding.bind(config.profile("dev"))
    binding.bind(config.profile("dev"))  # no change of profile: nothing to hear
    binding.unbind()
    assert heard == [("profile", None, "dev", "dev", True, "change"),
                     ("profile", "dev", None, None, True, "change")]


def test_every_bind_unbind_and_restore_moves_changes_on(binding, config):
    counts = []
    binding.observe(lambda change: counts.append((change["old"], change["new"])), "changes")
    binding.bind(config.profile("dev"))
    binding.bind(config.profile("dev"))
    with binding.temporarily(config.profile("prod")):
        pass
    binding.unbind()
    assert counts == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)] and binding.changes == 5


def test_an_observer_may_bind_again_without_deadlocking_another_thread(binding, config):
    """Observers run with no lock held: one that calls back into the binding (the environment
    export does) must not stop a bind on another thread."""
    def rebind(change):
        if change["new"] == "prod":
            binding.bind(config.profile("dev"))

    binding.observe(rebind, names="profile")
    worker = threading.Thread(target=binding.bind, args=(config.profile("prod"),))
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive() and binding.profile == "dev"


def test_unobserving_stops_the_calls_and_an_unknown_handler_is_an_error(binding, config):
    heard = []
    handler = heard.append
    binding.observe(handler, names=["profile", "changes"])
    assert binding.observer_count("profile") == binding.observer_count("changes") == 1
    binding.unobserve(handler, names=["profile", "changes"])
    binding.bind(config.profile("dev"))
    assert heard == [] and binding.observer_count("profile") == 0
    with pytest.raises(ValueError):
        binding.unobserve(handler, names="profile")


def test_a_profile_without_a_region_binds_where_no_region_was_set(binding, config_file, runtime,
                                                                  environ):
    config_file.write_text(config_file.read_text().replace("region = us-east-1\n", "", 1))
    binding.bind(load_config(runtime).profile("prod"))
    assert environ == {"PATH": "/usr/bin", "AWS_PROFILE": "prod"}


def test_each_plain_profile_gets_a_session_of_its_own(binding, config_file, runtime):
    config_file.write_text(config_file.read_text() + (
        "\n[profile keys-a]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\n"
        "aws_secret_access_key = a\n"
        "\n[profile keys-b]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\n"
        "aws_secret_access_key = b\n"))
    config = load_config(runtime)
    a, b = config.plain("keys-a"), config.plain("keys-b")
    assert binding.session_for(a) is binding.session_for(load_config(runtime).plain("keys-a"))
    assert binding.session_for(a) is not binding.session_for(b)
    assert binding.session_for(b).profile_name == "keys-b"


def test_temporarily_puts_back_static_keys_and_their_expiry_the_block_changed(binding, config,
                                                                            environ):
    environ["AWS_CREDENTIAL_EXPIRATION"] = "2026-12-02T10:00:00Z"
    with binding.temporarily(config.profile("prod")):
        environ["AWS_ACCESS_KEY_ID"] = "set by the cell"
        del environ["AWS_CREDENTIAL_EXPIRATION"]
    assert "AWS_ACCESS_KEY_ID" not in environ
    assert environ["AWS_CREDENTIAL_EXPIRATION"] == "2026-12-02T10:00:00Z"


def test_a_binding_made_without_a_runtime_reads_the_process(environ):
    assert isinstance(KernelBinding(environ=environ).runtime, Runtime)


def test_the_process_has_one_binding():
    assert isinstance(kernel_binding(), KernelBinding) and kernel_binding() is kernel_binding()
