"""What engine/config/read.py says and reads, word for word: each refusal of a config as the
user sees it (the file, the line, what to write instead), the keys of an sso-session's
section, the production flag, the chained profile's own role and region, and which
sso-session a command means when none is named."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from ssomagic.engine.config.read import (
    AwsConfig,
    SsoSession,
    not_utf_8,
    parse_error,
    section_name_for_profile,
)
from ssomagic.engine.errors import ConfigError, ConfigParseError, NotAnSsoProfileError
from ssomagic.engine.runtime import Runtime

PATH = Path("/home/ada/.aws/config")
SESSION = """[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = DataScientist
"""


def parsed(text: str) -> AwsConfig:
    return AwsConfig.parse(text, PATH)


def refusal(text: str, name: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parsed(text).profile(name)
    return str(caught.value)


# ---- parse errors ---------------------------------------------------------------------------

def unparsable(where: str, detail: str) -> str:
    return (f"Unable to parse config file: {where}: {detail}. Fix that line by hand (ssomagic "
            "will not rewrite a file it cannot read).")


@pytest.mark.parametrize(("text", "line", "detail"), [
    ("[profile a]\nregion = x\nregion = y\n", 3, "region appears twice in [profile a]"),
    ("[profile a]\n[profile a]\n", 2, "section [profile a] appears twice"),
    ("region = x\n[profile a]\n", 1,
     "cannot read 'region = x': no [section] header comes before it"),
    ("[profile a]\nregion = x\n= y\n", 3, "cannot read '= y'"),
])
def test_a_config_that_does_not_parse_is_named_with_its_line_and_what_was_read(text, line,
                                                                               detail):
    with pytest.raises(ConfigParseError) as caught:
        parsed(text)
    assert str(caught.value) == unparsable(f"{PATH}, line {line}", detail)


def test_a_parse_error_past_the_last_line_says_error_not_a_line_it_does_not_have():
    exc = configparser.ParsingError(source=str(PATH))
    exc.append(9, "x")
    assert str(parse_error(exc, PATH, "[profile a]\n")) == unparsable(f"{PATH}, line 9",
                                                                       "error")


def test_a_parse_error_without_a_line_says_the_parsers_first_line_without_its_stop():
    error = parse_error(configparser.Error("...Source ends in XX.\nmore"), PATH, "")
    assert str(error) == unparsable(str(PATH), "...Source ends in XX")


def test_a_config_that_is_not_utf_8_says_so_and_how_to_mend_it():
    try:
        b"caf\xe9".decode("utf-8")
    except UnicodeDecodeError as exc:
        error = not_utf_8(PATH, exc)
    assert str(error) == (f"The config file {PATH} is not UTF-8 text (byte 3). Save it as "
                          "UTF-8; ssomagic will not rewrite a file it cannot read.")


# ---- profiles --------------------------------------------------------------------------------

def test_a_profile_without_a_role_says_what_it_lacks_and_what_to_choose():
    text = SESSION + "\n[profile signin]\nsso_session = corp\n"
    with pytest.raises(NotAnSsoProfileError) as caught:
        parsed(text).profile("signin").require_role("credentials to export")
    assert str(caught.value) == (
        'The profile "signin" names no sso_account_id and sso_role_name, so it has no '
        "credentials to export. Choose a profile with an account and a role.")


def test_a_chain_that_comes_back_to_itself_names_the_loop_and_the_section_to_mend():
    text = SESSION + ("\n[profile a]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = b\n"
                      "\n[profile b]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = a\n")
    assert refusal(text, "a") == (
        "The profile b chains back to itself through source_profile (a -> b -> a). Point "
        "source_profile of [profile b] at an SSO profile.")


@pytest.mark.parametrize("arn", ["arn:aws:iam::1:user/R", "arn:aws:sts::1:role/R",
                                 "arn:aws:iam::1"])
def test_a_role_arn_that_is_no_roles_arn_says_how_to_write_one(arn):
    text = SESSION + f"\n[profile a]\nrole_arn = {arn}\nsource_profile = dev\n"
    assert refusal(text, "a") == (
        f"The role_arn of profile a is not a role's ARN ({arn}). Write it as "
        "arn:aws:iam::ACCOUNT:role/NAME.")


def test_a_chain_over_a_profile_without_a_role_says_it_has_no_credentials_to_assume_with():
    text = SESSION + ("\n[profile signin]\nsso_session = corp\n"
                      "\n[profile a]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = signin\n")
    assert refusal(text, "a") == (
        "The source_profile of a, signin, has no sso_account_id and sso_role_name: it has no "
        "credentials to assume a role with. Point source_profile at a role profile.")


def test_a_chained_profile_has_its_own_region_and_the_roles_name_without_its_path():
    text = SESSION + ("\n[profile a]\nrole_arn = arn:aws:iam::555566667777:role/teams/data/"
                      "Reader\nsource_profile = dev\nregion = ap-southeast-2\n")
    profile = parsed(text).profile("a")
    assert (profile.account_id, profile.role_name, profile.region) == (
        "555566667777", "Reader", "ap-southeast-2")


@pytest.mark.parametrize(("name", "section"), [("default", "default"), ("dev", "profile dev"),
                                               ("Default", "profile Default")])
def test_a_profiles_section_is_named_as_botocore_names_it(name, section):
    assert section_name_for_profile(name) == section


@pytest.mark.parametrize(("value", "production"), [
    ("true", True), ("True", True), ("YES", True), ("1", True), ("false", False),
    ("no", False), ("", False)])
def test_a_profile_is_production_by_its_own_flag_in_any_case(value, production):
    text = SESSION.replace("sso_role_name = DataScientist\n",
                           f"sso_role_name = DataScientist\nssomagic_production = {value}\n")
    assert parsed(text).profile("dev").is_production() is production


def test_a_profile_is_production_when_named_in_the_flagged_list():
    profile = parsed(SESSION).profile("dev")
    assert profile.is_production(["dev"]) and not profile.is_production(["prod"])
    assert not profile.is_production()


def test_an_sso_sessions_section_holds_what_aws_configure_sso_writes():
    session = SsoSession("corp", "https://corp.awsapps.com/start", "eu-west-1",
                         ("sso:account:access", "openid"))
    assert session.section() == {"sso_start_url": "https://corp.awsapps.com/start",
                                 "sso_region": "eu-west-1",
                                 "sso_registration_scopes": "sso:account:access,openid"}
    assert SsoSession("c", "u", "r").section()["sso_registration_scopes"] == ""


# ---- which sso-session -----------------------------------------------------------------------

def runtime(profile: str | None = None) -> Runtime:
    return Runtime(home=Path("/nonexistent"), environ={"AWS_PROFILE": profile} if profile
                   else {})


TWO = SESSION + """
[sso-session other]
sso_start_url = https://other.awsapps.com/start
sso_region = eu-west-1

[profile theirs]
sso_session = other
sso_account_id = 444455556666
sso_role_name = ReadOnly
"""


def test_the_only_sso_session_is_the_one_meant():
    assert parsed(SESSION).choose_session(None, runtime()).name == "corp"


def test_a_named_sso_session_is_the_one_meant():
    assert parsed(TWO).choose_session("other", runtime()).name == "other"


def test_with_several_the_session_of_the_profile_in_effect_is_meant():
    assert parsed(TWO).choose_session(None, runtime("theirs")).name == "other"


@pytest.mark.parametrize(("text", "have"), [
    (TWO, "The config has corp, other."), ("", "The config has none.")])
def test_with_no_way_to_tell_it_asks_which_naming_those_there_are(text, have):
    with pytest.raises(ConfigError) as caught:
        parsed(text).choose_session(None, runtime())
    assert str(caught.value) == (
        f"Which sso-session? {have} Name one with --sso-session NAME, or add one with "
        "`ssomagic configure --start-url URL`.")
