"""Reading and validating ~/.aws/config as botocore does, with botocore's wording."""

from __future__ import annotations

import pytest
from helpers import START_URL

from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import (
    ConfigError,
    ConfigParseError,
    NotAnSsoProfileError,
    ProfileNotFoundError,
)


def write(home, text):
    path = home / ".aws" / "config"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_new_style_profile_resolves_through_its_sso_session(config_file, runtime):
    profile = load_config(runtime).profile("dev")
    assert (profile.account_id, profile.role_name, profile.region) == (
        "111122223333", "DataScientist", "eu-west-1")
    assert profile.sso.name == "my-sso"
    assert profile.sso.start_url == START_URL and profile.sso.region == "us-east-1"
    assert profile.sso.scopes == ("sso:account:access",)


def test_a_legacy_profile_carries_its_own_start_url(config_file, runtime):
    profile = load_config(runtime).profile("legacy")
    assert profile.sso.name is None
    assert profile.sso.label == START_URL


def test_profile_none_means_aws_profile_then_default(runtime, monkeypatch):
    assert runtime.profile_name(None) == "default"
    monkeypatch.setenv("AWS_PROFILE", "prod")
    assert runtime.profile_name(None) == "prod"
    assert runtime.profile_name("dev") == "dev"


def test_the_default_profile_is_the_default_section(home, runtime):
    write(home, "[default]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n"
                f"[sso-session s]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n")
    assert load_config(runtime).profile("default").account_id == "1"


def test_a_profile_with_only_an_sso_session_can_sign_in_but_has_no_role(home, runtime):
    write(home, "[profile login-only]\nsso_session = s\n"
                f"[sso-session s]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n")
    profile = load_config(runtime).profile("login-only")
    assert profile.sso.name == "s" and not profile.has_role


def test_a_missing_sso_session_is_reported_in_botocores_words(home, runtime):
    write(home, "[profile p]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n")
    with pytest.raises(ConfigError) as caught:
        load_config(runtime).profile("p")
    assert str(caught.value).startswith('The specified sso-session does not exist: "nope".')
    assert "[sso-session nope]" in caught.value.hint


def test_an_inconsistent_sso_region_is_reported_in_botocores_words(home, runtime):
    write(home, "[profile p]\nsso_session = s\nsso_region = eu-west-1\nsso_account_id = 1\n"
                "sso_role_name = R\n"
                f"[sso-session s]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(runtime).profile("p")
    assert caught.value.message == ("The value for sso_region is inconsistent between profile "
                                    "(eu-west-1) and sso-session (us-east-1).")


def test_missing_keys_are_listed_in_botocores_order_and_words(home, runtime):
    write(home, f"[profile partial]\nsso_start_url = {START_URL}\nsso_account_id = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(runtime).profile("partial")
    assert caught.value.message == ('The profile "partial" is configured to use SSO but is '
                                    "missing required configuration: sso_role_name, sso_region.")
    assert "[profile partial]" in caught.value.hint


def test_a_profile_without_sso_keys_is_not_an_sso_profile(home, runtime):
    write(home, "[profile keys]\naws_access_key_id = AKIAEXAMPLE\nregion = eu-west-1\n")
    with pytest.raises(NotAnSsoProfileError, match='"keys" is not an SSO profile'):
        load_config(runtime).profile("keys")


def test_an_unknown_profile_names_the_ones_there_are(config_file, runtime):
    with pytest.raises(ProfileNotFoundError) as caught:
        load_config(runtime).profile("staging")
    assert caught.value.message == "The config profile (staging) could not be found."
    assert "dev, legacy, prod" in caught.value.hint


def test_a_malformed_file_is_reported_with_its_line(home, runtime):
    path = write(home, "[profile a]\nregion = eu-west-1\nthis line is wrong\n")
    with pytest.raises(ConfigParseError) as caught:
        load_config(runtime)
    assert caught.value.line == 3
    assert f"{path}, line 3" in str(caught.value)


def test_a_broken_first_section_header_is_reported_with_its_line(home, runtime):
    write(home, "[profile broken\nregion = x\n")
    with pytest.raises(ConfigParseError, match="line 1: cannot read '\\[profile broken': no "
                                               "\\[section\\] header comes before it"):
        load_config(runtime)


def test_a_duplicate_section_is_reported_with_its_line(home, runtime):
    write(home, "[profile a]\nregion = x\n\n[profile a]\nregion = y\n")
    with pytest.raises(ConfigParseError, match="line 4: section \\[profile a\\] appears twice"):
        load_config(runtime)


def test_sso_profiles_lists_only_valid_sso_profiles_in_file_order(config_file, runtime):
    assert [p.name for p in load_config(runtime).sso_profiles()] == ["dev", "prod", "legacy"]


def test_sessions_lists_named_sessions_and_legacy_start_urls(config_file, runtime):
    assert [s.label for s in load_config(runtime).sessions()] == ["my-sso", START_URL]


def test_a_changed_file_is_read_again(config_file, runtime):
    assert load_config(runtime).profiles["dev"]["region"] == "eu-west-1"
    config_file.write_text(config_file.read_text().replace("eu-west-1", "ap-south-1"))
    assert load_config(runtime).profiles["dev"]["region"] == "ap-south-1"


def test_a_config_that_is_not_utf8_is_one_line_that_names_it(config_file, runtime):
    from ssomagic.engine.errors import ConfigError

    config_file.write_bytes(b"[profile dev]\nregion = \xff\n")
    with pytest.raises(ConfigError) as caught:
        load_config(runtime)
    assert str(caught.value).startswith(f"The config file {config_file} is not UTF-8 text")
    assert "\n" not in str(caught.value)


def test_a_config_path_that_is_a_directory_is_one_line(config_file, runtime):
    from ssomagic.engine.errors import ConfigError

    config_file.unlink()
    config_file.mkdir()
    with pytest.raises(ConfigError, match=r"is a directory\. Move it away"):
        load_config(runtime)
