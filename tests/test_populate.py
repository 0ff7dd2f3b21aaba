"""populate in detail (engine/config/populate.py): which roles it writes, in what order and under
which names, what a re-run changes in place, and what its report and refusals say. The broad
behaviours (hand-written profiles kept, --prune, other sessions untouched) are in
test_configure.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssomagic import api
from ssomagic.emulator.org import Account, Org
from ssomagic.engine.config.populate import MARKER_KEY, PopulateReport, check_template
from ssomagic.engine.errors import ConfigError


def config_of(runtime) -> Path:
    return runtime.config_file


def section(text: str, name: str) -> str:
    start = text.index(f"[profile {name}]\n")
    end = text.find("\n[", start + 1)
    return text[start:] if end < 0 else text[start:end + 1]


def reorganise(emulator, *accounts: Account) -> None:
    emulator.state.org = Org(user="ada", accounts=accounts)


# ---- the report and the refusals ------------------------------------------------------------

def test_the_report_counts_what_was_done():
    report = PopulateReport(added=("a", "b"), updated=("c",), unchanged=(), pruned=("d",),
                            kept=("e",))
    assert str(report) == ("Profiles: 2 added, 1 updated, 0 unchanged, 1 already configured by "
                           "hand (left as they are), 1 removed.")


def test_a_dry_run_reports_what_would_be_done():
    report = PopulateReport(added=("a",), pruned=("d",), dry_run=True)
    assert str(report) == ("Profiles: 1 would be added, 0 would be updated, 0 unchanged, "
                           "1 would be removed.")


@pytest.mark.parametrize(("template", "line"), [
    ("{role_name", "The profile name template '{role_name' cannot be read (expected '}' before "
                   "end of string). Use fields in braces, such as {role_name}-{account_id}."),
    ("{team}-{account}", "The profile name template '{team}-{account}' uses account, team. "
                         "Use {account_id}, {account_name}, {role_name}, {session}."),
    ("static", "The profile name template 'static' uses no field. Use {account_id}, "
               "{account_name}, {role_name}, {session}."),  # every role would get one name
], ids=["unreadable", "unknown-fields", "no-field"])
def test_a_template_that_cannot_name_profiles_says_how_to_write_one(template, line):
    with pytest.raises(ConfigError) as caught:
        check_template(template)
    assert str(caught.value) == line


# ---- what is written --------------------------------------------------------------------------

def test_profiles_are_written_in_account_id_then_role_order(signed_in_session, live_emulator):
    reorganise(live_emulator,
               Account("999999999999", "aaa-first-by-name", "a@example.com", ("Zeta", "Alpha")),
               Account("111111111111", "zzz-last-by-name", "z@example.com", ("Beta",)))
    report = api.populate("acme", refresh=True, runtime=signed_in_session)
    assert report.added == ("Beta-111111111111", "Alpha-999999999999", "Zeta-999999999999")
    text = config_of(signed_in_session).read_text()
    assert text.index("Beta-1111") < text.index("Alpha-9999") < text.index("Zeta-9999")


def test_accounts_are_chosen_by_id_or_by_name(signed_in_session):
    by_id = api.populate("acme", accounts=["777788889999"], dry_run=True,
                         runtime=signed_in_session)
    by_name = api.populate("acme", accounts=["ANALYTICS-DEV"], dry_run=True,
                           runtime=signed_in_session)
    assert by_id.added == ("AdministratorAccess-777788889999", "DataScientist-777788889999")
    assert by_name.added == ("DataScientist-111122223333", "ReadOnlyAccess-111122223333")


def test_the_output_format_is_written_and_a_rerun_changes_it_in_place(signed_in_session):
    api.populate("acme", accounts=["analytics-dev"], roles=["DataScientist"],
                 runtime=signed_in_session)
    name = "DataScientist-111122223333"
    assert "output" not in section(config_of(signed_in_session).read_text(), name)
    report = api.populate("acme", accounts=["analytics-dev"], roles=["DataScientist"],
                          output="json", runtime=signed_in_session)  # a key it did not have
    assert report.updated == (name,)
    assert "output = json\n" in section(config_of(signed_in_session).read_text(), name)
    api.populate("acme", accounts=["analytics-dev"], roles=["DataScientist"], output="table",
                 runtime=signed_in_session)  # a key it had, changed in place
    written = section(config_of(signed_in_session).read_text(), name)
    assert "output = table\n" in written and written.count("output") == 1
    assert f"{MARKER_KEY} = acme\n" in written


def test_a_rerun_names_the_profiles_it_left_unchanged(signed_in_session):
    first = api.populate("acme", runtime=signed_in_session)
    assert api.populate("acme", runtime=signed_in_session).unchanged == first.added


def test_the_account_name_can_name_the_profiles(signed_in_session):
    report = api.populate("acme", template="{account_name}.{role_name}", dry_run=True,
                          runtime=signed_in_session)
    assert "analytics-dev.DataScientist" in report.added


def test_names_that_collide_in_one_account_are_numbered_in_turn(signed_in_session,
                                                                live_emulator):
    reorganise(live_emulator, Account("111111111111", "one", "o@example.com",
                                      ("A", "B", "C", "D")))
    report = api.populate("acme", template="{session}-{account_id}", refresh=True,
                          dry_run=True, runtime=signed_in_session)
    assert report.added == ("acme-111111111111", "acme-111111111111-2", "acme-111111111111-3",
                            "acme-111111111111-4")


def test_a_chained_profile_over_the_role_is_not_taken_for_the_roles_own(signed_in_session):
    """A profile with role_arn signs in as the role it assumes, not as its sso role: the sso
    role still gets a profile of its own."""
    with config_of(signed_in_session).open("a") as config:
        config.write("[profile analyst]\nsso_session = acme\nsso_account_id = 111122223333\n"
                     "sso_role_name = DataScientist\n"
                     "role_arn = arn:aws:iam::444455556666:role/Analyst\n")
    report = api.populate("acme", accounts=["analytics-dev"], roles=["DataScientist"],
                          dry_run=True, runtime=signed_in_session)
    assert report.added == ("DataScientist-111122223333",) and report.kept == ()


def test_populate_reports_how_the_listing_goes(signed_in_session):
    heard = []
    api.populate("acme", refresh=True, dry_run=True, progress=heard.append,
                 runtime=signed_in_session)
    assert heard and (heard[-1].listed, heard[-1].found, heard[-1].all_found) == (3, 3, True)


def test_populate_reads_and_writes_the_config_of_the_runtime_it_is_given(tmp_path, home,
                                                                         emulator, clock):
    """The runtime's home is not the process's: the sso-session and the new profiles are in
    the runtime's config alone."""
    from helpers import START_URL, approve_when_asked

    from ssomagic.engine.runtime import Runtime

    runtime = Runtime(home=tmp_path / "elsewhere", environ={}, now=clock.now, sleep=clock.sleep)
    api.configure(START_URL, region="us-east-1", session="team", runtime=runtime)
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login(sso_session="team", runtime=runtime, listener=lambda e: None)
    report = api.populate("team", runtime=runtime)
    assert report.added and all(f"[profile {name}]" in config_of(runtime).read_text()
                                for name in report.added)
    assert not (home / ".aws" / "config").exists()
