"""Starting from a start URL: configure, sign in to the sso-session, accounts, populate,
export credentials; every invalid input with its message and the config untouched."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import Approver, live_runtime, run_python

from ssomagic import api
from ssomagic.console.cli import main
from ssomagic.engine.config.populate import MARKER_KEY
from ssomagic.engine.errors import ConfigError, NotSignedInError

START_URL = "https://d-1234567890.awsapps.com/start"


def config_of(home: Path) -> Path:
    return home / ".aws" / "config"


def ssomagic_exe() -> str:
    return shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"


# ---- configure ------------------------------------------------------------------------------

def test_configure_from_an_empty_home_writes_a_private_sso_session(home):
    written = api.configure(START_URL, region="us-east-1", runtime=live_runtime(home))
    assert written.created and written.name == "d-1234567890"
    assert config_of(home).read_text() == (
        "[sso-session d-1234567890]\n"
        f"sso_start_url = {START_URL}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n")
    assert stat.S_IMODE(config_of(home).stat().st_mode) == 0o600
    assert stat.S_IMODE((home / ".aws").stat().st_mode) == 0o700


def test_the_region_is_read_from_a_new_form_start_url(home):
    written = api.configure("https://ssoins-7223.portal.eu-central-1.app.aws",
                            runtime=live_runtime(home))
    assert written.session.region == "eu-central-1" and written.name == "ssoins-7223"


def test_a_vanity_start_url_is_followed_once_to_an_aws_host(home):
    from ssomagic.engine.config.configure import configure

    def head(url):
        assert url == "https://sso.acme.example/start"
        return 302, "https://acme.eu-west-2.portal.amazonaws.com/start"

    written = configure("https://sso.acme.example/start", runtime=live_runtime(home), head=head)
    assert written.session.region == "eu-west-2" and written.name == "acme"
    assert written.session.start_url == "https://sso.acme.example/start"  # kept as written


def test_a_vanity_url_that_leads_off_aws_is_refused(home):
    from ssomagic.engine.config.configure import configure

    with pytest.raises(ConfigError, match="not an AWS sign-in host"):
        configure("https://sso.acme.example/start", runtime=live_runtime(home),
                  head=lambda url: (302, "https://evil.example/start"))
    assert not config_of(home).exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"start_url": "http://d-1234567890.awsapps.com/start", "region": "us-east-1"},
     "is not an https address with a host"),
    ({"start_url": "https://", "region": "us-east-1"}, "is not an https address with a host"),
    ({"start_url": START_URL, "region": "mars-north-1"}, "'mars-north-1' is not an AWS region"),
    ({"start_url": START_URL, "region": "us-east-1", "session": "my session"},
     "cannot be an sso-session name"),
])
def test_invalid_input_is_one_line_and_writes_nothing(config_file, home, kwargs, message):
    before = config_file.read_bytes()
    with pytest.raises(ConfigError) as caught:
        api.configure(runtime=live_runtime(home), **kwargs)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert config_file.read_bytes() == before


def test_a_start_url_without_its_region_asks_for_region(home):
    with pytest.raises(ConfigError) as caught:
        api.configure(START_URL, runtime=live_runtime(home))
    assert str(caught.value) == (
        f"The start URL {START_URL} does not say which region its IAM Identity Center is in. "
        "Give it with --region (your administrator knows it; it is often us-east-1).")
    assert not config_of(home).exists()


def test_configuring_again_updates_the_same_section_and_keeps_comments(config_file, home):
    runtime = live_runtime(home)
    first = api.configure(START_URL, region="us-east-1", runtime=runtime)
    assert first.name == "my-sso" and not first.created  # the session for this URL already
    api.configure(START_URL, region="eu-west-1", runtime=runtime)
    text = config_file.read_text()
    assert text.count(f"sso_start_url = {START_URL}") == 2  # my-sso and legacy, no new one
    assert "[sso-session my-sso]\nsso_start_url" in text and "sso_region = eu-west-1" in text
    assert text.startswith("# Team AWS config: keep these comments.")


def test_the_console_without_a_terminal_names_the_missing_flag(home):
    result = subprocess.run([ssomagic_exe(), "configure"], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == ("ssomagic: No start URL given, and no terminal to ask on. Give it "
                             "with --start-url URL.\n")


def test_the_console_configures_with_no_prompt_when_the_values_are_complete(home, capsys):
    assert main(["configure", "--start-url", START_URL, "--region", "us-east-1",
                 "--session", "acme"]) == 0
    assert capsys.readouterr().out.startswith("Added [sso-session acme] in ")


# ---- accounts -------------------------------------------------------------------------------

def test_accounts_lists_every_role_and_the_profile_configured_for_it(signed_in_session):
    from ssomagic.engine.config.write import set_profile

    set_profile("mine", {"sso_session": "acme", "sso_account_id": "777788889999",
                         "sso_role_name": "DataScientist"}, signed_in_session)
    found = api.accounts(sso_session="acme", runtime=signed_in_session)
    assert [(a.account_name, a.role_name, a.profile) for a in found] == [
        ("analytics-dev", "DataScientist", None), ("analytics-dev", "ReadOnlyAccess", None),
        ("analytics-prod", "ReadOnlyAccess", None), ("sandbox", "AdministratorAccess", None),
        ("sandbox", "DataScientist", "mine")]


def test_accounts_before_signing_in_says_how_to_sign_in(home):
    runtime = live_runtime(home)
    api.configure(START_URL, region="us-east-1", session="acme", runtime=runtime)
    with pytest.raises(NotSignedInError, match="`ssomagic login --sso-session acme`"):
        api.accounts(runtime=runtime)


def test_the_console_prints_accounts_as_json(signed_in_session, capsys):
    assert main(["accounts", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0] == {"account_id": "111122223333", "account_name": "analytics-dev",
                         "role_name": "DataScientist", "profile": None}


# ---- populate -------------------------------------------------------------------------------

def test_populated_profiles_serve_plain_boto3(signed_in_session, live_emulator):
    report = api.populate("acme", runtime=signed_in_session)
    assert report.added == ("DataScientist-111122223333", "ReadOnlyAccess-111122223333",
                            "ReadOnlyAccess-444455556666", "AdministratorAccess-777788889999",
                            "DataScientist-777788889999")
    # Another process, as a user's script would be (botocore fixes its cache paths at import).
    result = run_python("""
        import boto3
        session = boto3.Session(profile_name="DataScientist-777788889999")
        print(session.client("sts").get_caller_identity()["Account"])
    """)
    assert result.stdout.strip() == "777788889999", result.stderr


def test_populating_again_updates_in_place_without_duplicates(signed_in_session, home):
    api.populate("acme", runtime=signed_in_session)
    first = config_of(home).read_text()
    report = api.populate("acme", runtime=signed_in_session)
    assert report.added == () and len(report.unchanged) == 5
    assert config_of(home).read_text() == first
    report = api.populate("acme", region="eu-west-1", runtime=signed_in_session)
    assert len(report.updated) == 5
    assert config_of(home).read_text().count("[profile DataScientist-777788889999]") == 1


def test_dry_run_prints_the_diff_and_writes_nothing(signed_in_session, home, capsys):
    before = config_of(home).read_text()
    assert main(["populate", "acme", "--dry-run", "--account", "sandbox",
                 "--role", "DataScientist"]) == 0
    out = capsys.readouterr().out
    assert "+[profile DataScientist-777788889999]\n" in out
    assert "+sso_account_id = 777788889999\n" in out
    assert out.endswith("Profiles: 1 would be added, 0 would be updated, 0 unchanged.\n")
    assert config_of(home).read_text() == before


def test_hand_written_profiles_are_never_changed_or_pruned(signed_in_session, home,
                                                           live_emulator):
    hand = ("# mine, keep\n[profile DataScientist-777788889999]\nsso_session = acme\n"
            "sso_account_id = 777788889999\nsso_role_name = AdministratorAccess\n"
            "[profile gone-Role]\nsso_session = acme\nsso_account_id = 000000000000\n"
            "sso_role_name = Role\n")
    config_of(home).write_text(config_of(home).read_text() + hand)
    api.populate("acme", runtime=signed_in_session)
    live_emulator.state.org = type(live_emulator.state.org)(
        user="ada", accounts=live_emulator.state.org.accounts[:1])  # only analytics-dev left
    report = api.populate("acme", prune=True, runtime=signed_in_session)
    text = config_of(home).read_text()
    assert hand in text  # byte for byte
    # The hand-written DataScientist-777788889999 signs in as sandbox/AdministratorAccess: populate
    # used it instead of adding a second profile for that role, so there was none to prune.
    assert set(report.pruned) == {"ReadOnlyAccess-444455556666",
                                  "DataScientist-777788889999-2"}
    assert f"{MARKER_KEY} = acme" in text and "analytics-prod" not in text


def test_without_prune_a_role_no_longer_granted_keeps_its_profile(signed_in_session, home,
                                                                  live_emulator):
    api.populate("acme", runtime=signed_in_session)
    live_emulator.state.org = type(live_emulator.state.org)(
        user="ada", accounts=live_emulator.state.org.accounts[:1])  # only analytics-dev left
    report = api.populate("acme", refresh=True, runtime=signed_in_session)
    assert report.pruned == ()
    assert "[profile ReadOnlyAccess-444455556666]" in config_of(home).read_text()


def test_profiles_populated_for_another_sso_session_are_never_touched(signed_in_session, home,
                                                                       live_emulator):
    """Only this session's marker makes a profile ours: another session's populated profiles,
    for the same account and role or for one this session cannot reach, stay byte for byte."""
    other = ("[sso-session other]\nsso_start_url = https://other.awsapps.com/start\n"
             "sso_region = us-east-1\n"
             "[profile theirs-DataScientist]\nsso_session = other\n"
             "sso_account_id = 777788889999\nsso_role_name = DataScientist\n"
             f"{MARKER_KEY} = other\n"
             "[profile theirs-gone]\nsso_session = other\nsso_account_id = 000000000000\n"
             f"sso_role_name = Role\n{MARKER_KEY} = other\n")
    config_of(home).write_text(config_of(home).read_text() + other)
    report = api.populate("acme", prune=True, runtime=signed_in_session)
    assert other in config_of(home).read_text()
    assert "DataScientist-777788889999" in report.added and report.pruned == ()


def test_names_are_sanitised_and_collisions_resolved_deterministically(signed_in_session):
    report = api.populate("acme", template="{role_name} @ {session}", runtime=signed_in_session)
    assert report.added == ("DataScientist-@-acme", "ReadOnlyAccess-@-acme",
                            "ReadOnlyAccess-@-acme-444455556666", "AdministratorAccess-@-acme",
                            "DataScientist-@-acme-777788889999")


def test_a_template_with_an_unknown_field_is_refused(signed_in_session, home):
    before = config_of(home).read_text()
    with pytest.raises(ConfigError, match="uses account"):
        api.populate("acme", template="{account}", runtime=signed_in_session)
    assert config_of(home).read_text() == before


# ---- export-credentials ---------------------------------------------------------------------

def test_credential_process_through_export_credentials_serves_boto3(signed_in_session, home,
                                                                    live_emulator):
    api.populate("acme", runtime=signed_in_session)
    with config_of(home).open("a") as config:
        config.write(f"[profile spark]\ncredential_process = {ssomagic_exe()} "
                     "export-credentials --profile DataScientist-777788889999\n")
    result = run_python("""
        import boto3
        session = boto3.Session(profile_name="spark", region_name="us-east-1")
        print(session.client("sts").get_caller_identity()["Account"])
    """)
    assert result.stdout.strip() == "777788889999", result.stderr


@pytest.mark.parametrize("fmt, first", [
    ("env", "export AWS_ACCESS_KEY_ID=ASIA"), ("env-no-export", "AWS_ACCESS_KEY_ID=ASIA"),
    ("powershell", '$Env:AWS_ACCESS_KEY_ID="ASIA'), ("windows-cmd", "set AWS_ACCESS_KEY_ID=ASIA"),
    ("fish", 'set -gx AWS_ACCESS_KEY_ID "ASIA'),
])
def test_export_formats_are_the_clis(signed_in_session, fmt, first):
    api.populate("acme", runtime=signed_in_session)
    lines = api.export_credentials("DataScientist-777788889999", format=fmt,
                                   runtime=signed_in_session).splitlines()
    assert len(lines) == 4 and lines[0].startswith(first)
    assert [line.split("AWS_")[1].split("=")[0].split()[0].rstrip('"') for line in lines] == [
        "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "CREDENTIAL_EXPIRATION"]


def test_process_format_is_what_credential_process_expects(signed_in_session):
    api.populate("acme", runtime=signed_in_session)
    document = json.loads(api.export_credentials("sandbox/DataScientist",
                                                 runtime=signed_in_session))
    assert list(document) == ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken",
                              "Expiration"]
    assert document["Version"] == 1 and document["Expiration"].endswith("+00:00")


def test_a_signed_out_profile_exports_nothing_and_says_one_line(config_file, home):
    result = subprocess.run([ssomagic_exe(), "export-credentials", "--profile", "dev"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("ssomagic: The SSO session my-sso is not signed in")
    assert result.stderr.count("\n") == 1


# ---- logout ---------------------------------------------------------------------------------

def test_logout_without_arguments_signs_out_of_every_session(config_file, home, live_emulator,
                                                             capsys):
    runtime = live_runtime(home)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=lambda e: None)
        api.login("legacy", runtime=runtime, listener=lambda e: None)
    assert main(["logout"]) == 0
    assert capsys.readouterr().out.startswith("Signed out of ")
    assert [s.state for s in api.sessions(runtime=runtime)] == ["signed out", "signed out"]


def configure_at_a_terminal(answers_list, live_emulator) -> tuple[int, str]:
    """The console's questions, answered at a real terminal (a pty), in order."""
    import pty
    import select
    import time

    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen([ssomagic_exe(), "configure"], stdin=child_fd, stdout=child_fd,
                               stderr=child_fd, close_fds=True)
    os.close(child_fd)
    answers = iter(answers_list)
    seen, prompt, reply = "", *next(answers)
    deadline = time.monotonic() + 60
    with Approver(live_emulator):
        while process.poll() is None and time.monotonic() < deadline:
            if not select.select([main_fd], [], [], 0.1)[0]:
                continue
            try:
                seen += os.read(main_fd, 4096).decode()
            except OSError:
                break
            if prompt and prompt in seen.rsplit("\n", 1)[-1]:
                os.write(main_fd, (reply + "\n").encode())
                seen += "\n"  # this prompt is answered: the next one is another line
                prompt, reply = next(answers, ("", ""))
    process.wait(10)
    os.close(main_fd)
    return process.returncode, seen


def test_on_a_terminal_configure_asks_signs_in_and_adds_the_chosen_profiles(home, live_emulator):
    """As `aws configure sso` asks."""
    code, seen = configure_at_a_terminal([
        ("SSO session name", "acme"), ("SSO start URL", START_URL),
        ("SSO region", "us-east-1"), ("SSO registration scopes", ""), ("Sign in now", ""),
        ("Filter the list", "sandbox"), ("Add which", "2"),
        ("Default client Region", "eu-west-1"), ("CLI default output format", ""),
        ("Profile name", "")], live_emulator)
    assert code == 0, seen
    assert "2  sandbox (777788889999)  DataScientist" in seen
    text = config_of(home).read_text()
    assert "[sso-session acme]\n" in text
    assert ("[profile DataScientist-777788889999]\nsso_session = acme\nsso_account_id = "
            "777788889999\nsso_role_name = DataScientist\nregion = eu-west-1\noutput = json\n"
            ) in text


def test_a_typo_at_a_late_prompt_asks_again_instead_of_ending_the_run(home, live_emulator):
    code, seen = configure_at_a_terminal([
        ("SSO session name", "acme"), ("SSO start URL", START_URL),
        ("SSO region", "us-east-1"), ("SSO registration scopes", "us-east-1"),
        ("SSO registration scopes", ""), ("Sign in now", ""),
        ("Filter the list", "sandbox"), ("Add which", "2"),
        ("Default client Region", "y"), ("Default client Region", "eu-west-1"),
        ("CLI default output format", ""), ("Profile name", "")], live_emulator)
    assert code == 0, seen
    assert "'y' is not an AWS region. Try again." in seen
    assert "us-east-1 is not a registration scope. Try again." in seen
    text = config_of(home).read_text()
    assert "sso_registration_scopes = sso:account:access" in text
    assert "region = eu-west-1" in text


def test_choosing_no_profile_asks_for_no_default_region(home, live_emulator):
    code, seen = configure_at_a_terminal([
        ("SSO session name", "acme"), ("SSO start URL", START_URL),
        ("SSO region", "us-east-1"), ("SSO registration scopes", ""), ("Sign in now", ""),
        ("Filter the list", ""), ("Add which", "")], live_emulator)
    assert code == 0, seen
    assert "Default client Region" not in seen and "No profile added." in seen


def prompts_in(seen: str) -> list[str]:
    """The questions asked, in order, without their offered defaults."""
    import re

    return re.findall(r"^(.+?)(?: \[[^\]\n]*\])?: $", seen.replace("\r", ""), re.M)


def test_a_re_run_asks_the_same_questions_in_the_same_order_offering_what_is_configured(
        home, live_emulator):
    first_code, first = configure_at_a_terminal([
        ("SSO session name", "acme"), ("SSO start URL", START_URL),
        ("SSO region", "eu-west-1"), ("SSO registration scopes", ""), ("Sign in now", "n")],
        live_emulator)
    again_code, again = configure_at_a_terminal([
        ("SSO session name", ""), ("SSO start URL", ""), ("SSO region", ""),
        ("SSO registration scopes", ""), ("Sign in now", "n")], live_emulator)
    assert (first_code, again_code) == (0, 0), again
    asked = ["SSO session name (Recommended)", "SSO start URL", "SSO region",
             "SSO registration scopes", "Sign in now and add profiles?"]
    assert prompts_in(first)[:5] == prompts_in(again)[:5] == asked, (first, again)
    assert "SSO session name (Recommended) [acme]: " in again
    assert f"SSO start URL [{START_URL}]: " in again and "SSO region [eu-west-1]: " in again
    assert "Updated [sso-session acme]" in again
    assert "sso_region = eu-west-1" in config_of(home).read_text()


def test_populate_uses_a_profile_that_already_signs_in_as_the_role(signed_in_session, home):
    config_of(home).write_text(config_of(home).read_text() + (
        "[profile mine]\nsso_session = acme\nsso_account_id = 777788889999\n"
        "sso_role_name = DataScientist\n"))
    report = api.populate("acme", runtime=signed_in_session)
    assert report.kept == ("mine",)
    assert "DataScientist-777788889999" not in report.added and len(report.added) == 4
    assert "1 already configured by hand" in str(report)
    assert api.populate("acme", runtime=signed_in_session).added == ()
