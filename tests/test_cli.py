"""The console script: same engine, text output, one-line errors and non-zero exits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from helpers import Approver

from ssomagic.console.cli import main


def ssomagic(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_login_prints_the_link_and_code_then_whoami_names_the_role(config_file, live_emulator):
    with Approver(live_emulator):
        login = ssomagic("login", "dev")
    assert login.returncode == 0, login.stderr
    code = live_emulator.state.snapshot()["device_authorizations"][0]["user_code"]
    assert f"Then enter the code:\n\n{code}\n" in login.stdout
    assert f"{live_emulator.url}/device?user_code={code}" in login.stdout
    whoami = ssomagic("whoami", "dev")
    assert whoami.returncode == 0, whoami.stderr
    assert whoami.stdout.startswith("ada as DataScientist in analytics-dev (111122223333)")


def test_a_failure_is_one_line_on_stderr_with_a_non_zero_exit(config_file):
    result = ssomagic("whoami", "staging")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("ssomagic: The config profile (staging) could not be found.")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_malformed_config_is_reported_with_its_line(home, capsys):
    (home / ".aws").mkdir()
    (home / ".aws/config").write_text("[profile a]\nnot a key\n")
    assert main(["status", "a"]) == 1
    assert ", line 2: cannot read 'not a key'" in capsys.readouterr().err


def test_whoami_before_login_says_what_to_run(config_file, live_emulator, capsys):
    assert main(["whoami", "dev"]) == 1
    err = capsys.readouterr().err
    assert "`ssomagic login dev`" in err and "%sso" not in err  # a terminal's words only


def test_a_notebook_reads_the_engines_advice_in_its_own_words():
    """The engine says what to run once; each front end says how."""
    from ssomagic.commands import CONSOLE, NOTEBOOK, phrase
    from ssomagic.engine.aws.gateway import login_hint

    assert phrase(login_hint("dev"), CONSOLE) == "Sign in again: `ssomagic login dev`."
    assert phrase(login_hint("dev"), NOTEBOOK) == "Sign in again: %sso login dev."
    assert phrase("Run `ssomagic check NOTEBOOK`.", NOTEBOOK) == (
        "Run `ssomagic check NOTEBOOK` in a terminal.")  # %sso has no check


def test_status_all_lists_every_session(config_file, capsys):
    assert main(["status", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["my-sso: signed out", "https://d-1234567890.awsapps.com/start: signed out"]


def test_profiles_lists_account_role_region_and_session(config_file, capsys):
    assert main(["profiles"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "dev\t111122223333/DataScientist\teu-west-1\tmy-sso")


def test_profiles_with_no_sso_profile_says_how_to_add_one(home, capsys):
    (home / ".aws").mkdir()
    (home / ".aws/config").write_text("[default]\nregion = eu-west-1\n")
    assert main(["profiles"]) == 0
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("ssomagic: No SSO profiles in ")
    assert "ssomagic configure --start-url" in out.err


def test_help_is_argparse_style(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ssomagic")
    for command in ("login", "logout", "whoami", "profiles", "status", "emulator"):
        assert command in out


def test_the_emulator_command_serves_on_loopback_and_prints_the_variables(tmp_path):
    exe = shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"
    process = subprocess.Popen([exe, "emulator", "--port", "0"], stdout=subprocess.PIPE,
                               text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("IAM Identity Center emulator on http://127.0.0.1:")
        url = first.split(" on ", 1)[1].strip()
        assert process.stdout.readline().strip() == f"export AWS_ENDPOINT_URL_SSO_OIDC={url}"
        deadline = time.time() + 10
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_emulator/state", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=10)


SESSION_ONLY = """\
[sso-session my-sso]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
"""


def test_an_sso_session_alone_signs_in_reports_and_signs_out(home, live_emulator):
    config = home / ".aws" / "config"
    config.parent.mkdir()
    config.write_text(SESSION_ONLY)  # a newcomer's config: no profile yet
    with Approver(live_emulator):
        login = ssomagic("login", "--sso-session", "my-sso")
    assert login.returncode == 0, login.stderr
    assert "Successfully signed in to my-sso" in login.stdout
    status = ssomagic("status", "--sso-session", "my-sso")
    assert status.stdout.startswith("my-sso: signed in, ")
    logout = ssomagic("logout", "--sso-session", "my-sso")
    assert logout.stdout.strip() == "Signed out of my-sso."
    assert ssomagic("status", "--sso-session", "my-sso").stdout.strip() == "my-sso: signed out"


def test_an_sso_session_that_is_not_there_is_one_line(config_file, capsys):
    assert main(["login", "--sso-session", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith('ssomagic: The specified sso-session does not exist: "nope".')
    assert err.count("\n") == 1


def test_account_slash_role_works_wherever_a_profile_does(config_file, live_emulator, capsys):
    with Approver(live_emulator):
        assert main(["login", "111122223333/DataScientist"]) == 0  # by id: no sign-in yet
    assert main(["whoami", "sandbox/DataScientist"]) == 0
    assert "DataScientist in sandbox (777788889999)" in capsys.readouterr().out
    assert main(["export-credentials", "--profile", "analytics-prod/ReadOnlyAccess",
                 "--format", "env"]) == 0
    assert capsys.readouterr().out.startswith("export AWS_ACCESS_KEY_ID=ASIA")
    assert main(["status", "analytics-dev/DataScientist"]) == 0


def test_use_prints_the_shell_lines_that_select_a_granted_profile(config_file, live_emulator,
                                                                  home):
    with Approver(live_emulator):
        assert ssomagic("login", "dev").returncode == 0
    used = ssomagic("use", "analytics-prod/ReadOnlyAccess")
    assert used.returncode == 0, used.stderr
    assert used.stdout == ("export AWS_PROFILE=prod\nexport AWS_REGION=us-east-1\n"
                           "export AWS_DEFAULT_REGION=us-east-1\n")
    assert "prod is account 444455556666, role ReadOnlyAccess; signed in for" in used.stderr
    # The line does what it says in a real shell: plain boto3 there runs as prod.
    exe = shutil.which("ssomagic", path=os.path.dirname(sys.executable))
    shell = subprocess.run(
        ["bash", "-c", f'eval "$({exe} use prod)" && {sys.executable} -c "import boto3; '
                       "print(boto3.client('sts').get_caller_identity()['Account'])\""],
        capture_output=True, text=True, timeout=60, check=False)
    assert shell.stdout.strip() == "444455556666", shell.stderr


def test_use_refuses_a_role_not_granted_and_prints_nothing_to_eval(config_file, live_emulator,
                                                                    capsys):
    config_file.write_text(config_file.read_text() + "\n[profile wrong]\nsso_session = my-sso\n"
                           "sso_account_id = 444455556666\nsso_role_name = DataScientist\n")
    with Approver(live_emulator):
        assert main(["login", "dev"]) == 0
    capsys.readouterr()
    assert main(["use", "wrong"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Roles you do have in 444455556666: ReadOnlyAccess" in err


def test_use_before_login_says_what_to_run(config_file, live_emulator, capsys):
    assert main(["use", "dev"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "login dev" in err


def test_use_speaks_fish_and_powershell():
    from ssomagic.engine.binding.use import shell_lines

    class Named:
        name, region = "it's", None

    assert shell_lines(Named(), "fish") == "set -gx AWS_PROFILE 'it'\"'\"'s';"  # type: ignore
    assert shell_lines(Named(), "powershell") == "$Env:AWS_PROFILE = 'it''s'"  # type: ignore


def test_the_emulator_warns_when_told_to_listen_beyond_loopback():
    exe = shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"
    process = subprocess.Popen([exe, "emulator", "--host", "0.0.0.0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        warning = process.stderr.readline() if process.stderr else ""
        assert warning.startswith("ssomagic: warning: the emulator listens on 0.0.0.0")
    finally:
        process.terminate()
        process.wait(10)


def test_login_takes_an_sso_session_with_one_of_its_profiles_as_the_cli_does(config_file,
                                                                          live_emulator,
                                                                          capsys):
    with Approver(live_emulator):
        assert main(["login", "--sso-session", "my-sso", "--profile", "dev"]) == 0
    assert "Successfully signed in to my-sso" in capsys.readouterr().out
    assert main(["login", "--sso-session", "my-sso", "--profile", "legacy"]) == 1
    err = capsys.readouterr().err
    assert "The profile legacy signs in with" in err and "not with the sso-session my-sso" in err


def test_ssomagic_alone_lists_the_commands(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ssomagic") and "login" in out and "populate" in out


def test_the_console_and_the_magic_read_every_shared_command_alike():
    """One table (commands.py) makes both parsers: a command line that both front ends take
    means the same in both, down to the names its values are stored under."""
    from ssomagic.commands import BOTH, CONSOLE, NOTEBOOK, build_console_parser, commands_for
    from ssomagic.notebook.magics import parser

    shared = [c for c in commands_for(CONSOLE) if NOTEBOOK in c.where]
    assert {c.name for c in shared} >= {"login", "logout", "use", "whoami", "status",
                                        "profiles", "configure", "accounts", "populate",
                                        "console", "serve"}
    for command in shared:
        words = [command.name] + (["x"] if command.positional else [])
        for option in command.options:
            if option.where == BOTH:
                words += [option.flag] + ([option.choices[0] if option.choices else "v"]
                                          if option.metavar or option.choices else [])
        console = vars(build_console_parser("0").parse_args(words))
        notebook = vars(parser().parse_argstring(" ".join(words)))
        only = {o.dest or o.flag.lstrip("-").replace("-", "_") for o in command.options
                if o.where != BOTH}
        assert {k: v for k, v in console.items() if k not in only} == \
            {k: v for k, v in notebook.items() if k not in only}, command.name


@pytest.mark.parametrize(("line", "offered"), [
    ("ssomagic log", ["login", "logout"]),
    ("ssomagic login --sso-session ", ["my-sso"]),
    ("ssomagic use ", ["dev", "prod", "legacy", "--shell", "--help"]),
    ("ssomagic export-credentials --format p", ["process", "powershell"]),
])
def test_bash_completes_from_the_same_table_as_the_magic(config_file, line, offered):
    """The script `ssomagic completion` prints, run by a real bash as <Tab> would run it."""
    words = line.split() + ([""] if line.endswith(" ") else [])
    script = ('eval "$(ssomagic completion)"\n'
              f'COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}\n'
              f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
              '_ssomagic_complete; printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env,
                            timeout=60, check=False)
    assert result.stdout.split() == offered, result.stderr
