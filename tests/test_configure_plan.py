"""What `configure` decides before it writes (engine/config/configure.py): the sso-session's
name, region and scopes from the start URL and what the config already holds, and the one
edit that writes a session with its chosen profiles. Each test runs on a runtime whose home
is not the process's, so the config read is the runtime's and no other."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssomagic.engine.config.configure import (
    Configured,
    configure,
    parse_scopes,
    plan,
    profile_values,
    write,
)
from ssomagic.engine.config.read import SsoSession, load_config
from ssomagic.engine.errors import ConfigError
from ssomagic.engine.runtime import Runtime

URL = "https://d-1234567890.awsapps.com/start"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Runtime:
    return Runtime(home=tmp_path / "elsewhere", environ={})


def with_config(runtime: Runtime, text: str) -> Runtime:
    runtime.config_file.parent.mkdir(parents=True, exist_ok=True)
    runtime.config_file.write_text(text)
    return runtime


def test_a_start_url_already_configured_keeps_its_session_name_whatever_its_trailing_slash(
        elsewhere):
    with_config(elsewhere, f"[sso-session team]\nsso_start_url = {URL}/\nsso_region = eu-west-2\n")
    session, created = plan(URL, runtime=elsewhere)
    assert (session.name, session.region, created) == ("team", "eu-west-2", False)
    assert plan(URL + "/", runtime=elsewhere)[0].name == "team"


@pytest.mark.parametrize(("taken", "name"), [
    (["d-1234567890"], "d-1234567890-2"),
    (["d-1234567890", "d-1234567890-2"], "d-1234567890-3"),
])
def test_a_new_start_url_whose_name_is_taken_gets_the_next_free_number(elsewhere, taken, name):
    other = "https://d-1234567890.awsapps.com/other"
    with_config(elsewhere, "".join(f"[sso-session {n}]\nsso_start_url = {other}{i}\n"
                                   "sso_region = us-east-1\n" for i, n in enumerate(taken)))
    session, created = plan(URL, region="us-east-1", runtime=elsewhere)
    assert (session.name, created) == (name, True)


def test_a_hand_written_session_without_a_start_url_is_not_mistaken_for_this_one(elsewhere):
    with_config(elsewhere, "[sso-session half-written]\nsso_region = us-east-1\n")
    session, created = plan(URL, region="us-east-1", runtime=elsewhere)
    assert (session.name, created) == ("d-1234567890", True)


def test_a_name_given_wins_over_the_one_the_start_url_suggests(elsewhere):
    session, _ = plan(URL, region="us-east-1", session="  ml-team ", runtime=elsewhere)
    assert session.name == "ml-team"


def test_a_re_run_without_a_region_keeps_the_sessions_own(elsewhere):
    """The old-form start URL does not say its region; the section written last time does."""
    with_config(elsewhere, f"[sso-session team]\nsso_start_url = {URL}\nsso_region = ap-south-1\n")
    assert plan(URL, runtime=elsewhere)[0].region == "ap-south-1"
    assert plan(URL, region="eu-west-1", runtime=elsewhere)[0].region == "eu-west-1"


def test_scopes_given_replace_a_re_run_keeps_the_sessions_and_else_the_clis_default(elsewhere):
    assert plan(URL, region="us-east-1", runtime=elsewhere)[0].scopes == ("sso:account:access",)
    with_config(elsewhere, f"[sso-session team]\nsso_start_url = {URL}\nsso_region = us-east-1\n"
                           "sso_registration_scopes = sso:account:access, codewhisperer:analysis\n")
    assert plan(URL, runtime=elsewhere)[0].scopes == ("sso:account:access",
                                                      "codewhisperer:analysis")
    assert plan(URL, scopes=["codewhisperer:completions"], runtime=elsewhere)[0].scopes == (
        "codewhisperer:completions",)


@pytest.mark.parametrize(("given", "scopes"), [
    ("sso:account:access", ("sso:account:access",)),
    ("sso:account:access,codewhisperer:completions",
     ("sso:account:access", "codewhisperer:completions")),
    (["sso:account:access", "codewhisperer:analysis"],
     ("sso:account:access", "codewhisperer:analysis")),
    ("sso:account", ("sso:account",)),  # one colon is enough: a service and a resource
])
def test_scopes_are_split_as_botocore_splits_them(given, scopes):
    assert parse_scopes(given) == scopes


@pytest.mark.parametrize(("given", "message"), [
    ("", "No registration scope given. Leave --scopes out for the default, "
         "sso:account:access."),
    ([], "No registration scope given."),
    ("eu-west-1", "eu-west-1 is not a registration scope. Scopes look like "
                  "sso:account:access; leave them out for that default."),
    ("sso:account:access,us-east-1,a:b c", "us-east-1, a:b c is not a registration scope."),
])
def test_a_scope_that_is_not_one_is_refused_in_one_line_that_says_what_to_do(given, message):
    with pytest.raises(ConfigError) as refused:
        parse_scopes(given)
    assert str(refused.value).startswith(message)


def test_a_profile_names_its_session_account_role_region_and_output_if_chosen():
    session = SsoSession("team", URL, "eu-west-2", ("sso:account:access",))
    assert profile_values(session, "111122223333", "Admin", region=None, output=None) == {
        "sso_session": "team", "sso_account_id": "111122223333", "sso_role_name": "Admin",
        "region": "eu-west-2"}
    assert profile_values(session, "1", "R", region="us-west-2", output="json") == {
        "sso_session": "team", "sso_account_id": "1", "sso_role_name": "R",
        "region": "us-west-2", "output": "json"}


def test_the_session_and_its_profiles_are_written_in_one_edit(elsewhere):
    session = SsoSession("team", URL, "eu-west-2", ("sso:account:access",))
    values = profile_values(session, "111122223333", "Admin", region=None, output=None)
    written = write(session, {"team-admin": values}, runtime=elsewhere)
    config = load_config(elsewhere)
    assert config.sso_sessions["team"]["sso_start_url"] == URL
    assert config.profiles["team-admin"] == values
    assert written.changed and written.before == ""


def test_a_dry_run_shows_the_edit_and_writes_nothing(elsewhere):
    session = SsoSession("team", URL, "eu-west-2", ("sso:account:access",))
    preview = write(session, runtime=elsewhere, dry_run=True)
    assert "+[sso-session team]" in preview.diff()
    assert not elsewhere.config_file.exists()


def test_a_profile_name_taken_by_another_account_or_role_is_refused_and_nothing_written(
        elsewhere):
    original = ("[profile data]\nsso_session = team\nsso_account_id = 999999999999\n"
                "sso_role_name = Admin\n")
    with_config(elsewhere, original)
    session = SsoSession("team", URL, "eu-west-2", ("sso:account:access",))
    mine = profile_values(session, "111122223333", "Admin", region=None, output=None)
    with pytest.raises(ConfigError) as refused:
        write(session, {"data": mine}, runtime=elsewhere)
    assert str(refused.value) == ("A profile named data already exists for another account or "
                                  "role. Choose another name for it.")
    assert elsewhere.config_file.read_text() == original


def test_a_profile_of_the_same_account_and_role_is_updated_in_place(elsewhere):
    with_config(elsewhere, "# mine\n[profile data]\nsso_session = team\n"
                           "sso_account_id = 111122223333\nsso_role_name = Admin\n")
    session = SsoSession("team", URL, "eu-west-2", ("sso:account:access",))
    mine = profile_values(session, "111122223333", "Admin", region="us-west-2", output=None)
    write(session, {"data": mine}, runtime=elsewhere)
    assert load_config(elsewhere).profiles["data"]["region"] == "us-west-2"
    assert elsewhere.config_file.read_text().startswith("# mine\n[profile data]\n")


@pytest.mark.parametrize("name", ["my profile", "dev]", "", "prod\n"])
def test_a_profile_name_the_config_cannot_hold_is_refused(elsewhere, name):
    session = SsoSession("team", URL, "eu-west-2", ("sso:account:access",))
    with pytest.raises(ConfigError) as refused:
        write(session, {name: {"sso_session": "team"}}, runtime=elsewhere)
    assert str(refused.value) == (f"{name!r} cannot be a profile name. Use letters, digits, '-',"
                                  " '_', '.', '@' or '+', with no spaces.")
    assert not elsewhere.config_file.exists()


def test_configure_says_what_it_added_or_updated_and_the_consoles_next_step(elsewhere):
    first = configure(URL, region="us-east-1", session="team", runtime=elsewhere)
    again = configure(URL, region="us-east-1", runtime=elsewhere)
    assert str(first) == (f"Added [sso-session team] in {elsewhere.config_file}: {URL} in "
                          "us-east-1. Next: sign in with ssomagic login --sso-session team.")
    assert again.summary().startswith("Updated [sso-session team]")
    assert isinstance(again, Configured) and not again.created


def test_configure_writes_the_scopes_it_is_given(elsewhere):
    written = configure(URL, region="us-east-1", runtime=elsewhere,
                        scopes="sso:account:access, codewhisperer:analysis")
    assert load_config(elsewhere).sso_sessions[written.name]["sso_registration_scopes"] == (
        "sso:account:access,codewhisperer:analysis")
