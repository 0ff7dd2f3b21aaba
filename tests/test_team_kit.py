"""The team kit: an organisation's onboarding notebook, the notebooks in the package, the
secret check for saved notebooks (and its hooks), and the emulator as a pytest plugin."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from helpers import Approver
from nbclient import NotebookClient

from ssomagic.console.cli import main
from ssomagic.onboarding import SHIPPED
from ssomagic.secret_check import REDACTED, pre_save_hook, scan
from ssomagic.secret_check import main as check_main

ROOT = Path(__file__).resolve().parent.parent
# Shapes of real credentials, made up: a secret key is 40 characters of base64.
KEY_ID = "ASIAQWERTYUIOPASDFGH"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE" + "Zm9vYmFyYmF6cXV4" * 8
ACCESS_TOKEN = "aoaAAAAAGbZ1Kq8Example0123456789abcdefGHIJKL"
REFRESH_TOKEN = "aorAAAAAGcEXAMPLErefresh0123456789abcdefghijk"
CLIENT_SECRET = "eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.EXAMPLE"
ALL = [SECRET_KEY, SESSION_TOKEN, ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET]


def ssomagic_exe() -> str:
    return shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"


def notebook_with(cells=(), metadata=None):
    notebook = nbformat.v4.new_notebook(cells=list(cells), metadata=metadata or {})
    for index, cell in enumerate(notebook.cells):
        cell.id = f"c{index}"
    return notebook


def code(outputs=(), metadata=None, source="x"):
    cell = nbformat.v4.new_code_cell(source, metadata=metadata or {})
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def result(data):
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": data}


PLANTED = {
    "json": code([result({"application/json": {"Credentials": {
        "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET_KEY, "SessionToken": SESSION_TOKEN}}})]),
    "repr": code([result({"text/plain": f"ReadOnlyCredentials(access_key='{KEY_ID}', "
                                        f"secret_key='{SECRET_KEY}', token='{SESSION_TOKEN}')"})]),
    "env line": code([stream(f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET_KEY}\n"
                             f"export AWS_SESSION_TOKEN={SESSION_TOKEN}\n")]),
    "plain text": code([stream(f"aws_secret_access_key = {SECRET_KEY}\n")]),
    "key id then key": code([stream(f"| {KEY_ID} | {SECRET_KEY} |\n")]),
    "sso token file": code([stream(json.dumps({"accessToken": ACCESS_TOKEN,
                                               "refreshToken": REFRESH_TOKEN,
                                               "clientSecret": CLIENT_SECRET}))]),
    "cell metadata": code(metadata={"debug": {"refreshToken": REFRESH_TOKEN}}),
}


def planted_notebooks(directory: Path) -> dict[str, Path]:
    made = {}
    for name, cell in PLANTED.items():
        made[name] = directory / f"{name.replace(' ', '-')}.ipynb"
        nbformat.write(notebook_with([cell]), made[name])
    attachment = nbformat.v4.new_markdown_cell("![x](attachment:env.txt)")
    attachment.attachments = {"env.txt": {"text/plain": base64.b64encode(
        f"AWS_SECRET_ACCESS_KEY={SECRET_KEY}".encode()).decode()}}
    made["attachment"] = directory / "attachment.ipynb"
    nbformat.write(notebook_with([attachment]), made["attachment"])
    made["widget state"] = directory / "widget-state.ipynb"
    nbformat.write(notebook_with([code()], metadata={"widgets": {
        "application/vnd.jupyter.widget-state+json": {"state": {"m1": {"state": {
            "value": f"<pre>{{'accessToken': '{ACCESS_TOKEN}'}}</pre>"}}}}}}),
        made["widget state"])
    made["notebook metadata"] = directory / "notebook-metadata.ipynb"
    nbformat.write(notebook_with([code()], metadata={"ssomagic": {"clientSecret": CLIENT_SECRET}}),
                   made["notebook metadata"])
    return made


# ---- onboarding -----------------------------------------------------------------------------

def test_an_organisations_notebook_runs_from_an_empty_home_and_leaks_nothing(tmp_path, home,
                                                                             live_emulator,
                                                                             monkeypatch):
    from ssomagic.demo import prepare_home

    out = tmp_path / "acme.ipynb"
    assert main(["onboarding", "--start-url", "https://acme.awsapps.com/start", "--region",
                 "us-east-1", "--session", "acme", "--account", "sandbox/DataScientist",
                 "--account", "analytics-prod/ReadOnlyAccess", "--title", "Acme on AWS",
                 "-o", str(out)]) == 0
    notebook = nbformat.read(out, as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells[0].source.startswith("# Acme on AWS")
    assert 'START_URL = "https://acme.awsapps.com/start"' in notebook.cells[1].source
    assert notebook.metadata.kernelspec.name == "python3"
    assert not any(c.get("outputs") for c in notebook.cells if c.cell_type == "code")
    for key, value in prepare_home(home).items():
        monkeypatch.setenv(key, value)
    with Approver(live_emulator):
        NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    text = json.dumps(notebook)
    assert "Bound to <b>DataScientist-777788889999</b>" in text
    assert [s for s in live_emulator.state.issued_secrets() if s in text] == []
    assert scan(notebook) == []  # and the check agrees: no false alarm on it


def test_the_generator_is_deterministic_and_ships_the_notebooks(tmp_path):
    from ssomagic.onboarding import NOTEBOOKS, text

    for name, build in NOTEBOOKS.items():
        assert text(build()) == text(build()) == (SHIPPED / name).read_text()


@pytest.mark.parametrize("args, message", [
    (["--start-url", "http://acme.awsapps.com/start", "--region", "us-east-1"], "not an https"),
    (["--start-url", "https://acme.awsapps.com/start", "--region", "moon-1"], "not an AWS region"),
    (["--start-url", "https://acme.awsapps.com/start"], "does not say which region"),
    (["--start-url", "https://acme.awsapps.com/start", "--region", "us-east-1",
      "--account", "sandbox"], "is not ACCOUNT/ROLE"),
])
def test_bad_input_to_the_generator_is_one_line_and_writes_nothing(tmp_path, capsys, args,
                                                                   message):
    out = tmp_path / "x.ipynb"
    assert main(["onboarding", *args, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and not out.exists()


def test_an_existing_notebook_is_kept_without_force_and_an_unwritable_path_is_one_line(
        tmp_path, capsys):
    out = tmp_path / "x.ipynb"
    out.write_text("mine")
    base = ["onboarding", "--start-url", "https://acme.awsapps.com/start", "--region",
            "us-east-1"]
    assert main([*base, "-o", str(out)]) == 1
    assert "already exists. Use --force" in capsys.readouterr().err and out.read_text() == "mine"
    assert main([*base, "-o", str(out), "--force"]) == 0 and out.read_text() != "mine"
    assert main([*base, "-o", str(tmp_path / "missing" / "dir" / "x.ipynb")]) in (0, 1)
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main([*base, "-o", str(blocked / "x.ipynb")]) == 1
    assert "Cannot write" in capsys.readouterr().err


# ---- notebooks in the package ---------------------------------------------------------------

def test_the_wheel_holds_the_notebooks_and_the_beacon_script_and_not_the_build_script(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("ssomagic-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"ssomagic/notebooks/onboarding.ipynb", "ssomagic/notebooks/several-accounts.ipynb",
            "ssomagic/py.typed", "ssomagic/notebook/widgets/code_beacon.js"} <= set(names)
    assert not [n for n in names if n.startswith("ssomagic/notebooks/") and n.endswith(".py")]
    assert "ssomagic/testing.py" in names


def test_notebooks_are_copied_out_and_never_overwritten_without_force(tmp_path, capsys):
    assert main(["notebooks", str(tmp_path)]) == 0
    assert (tmp_path / "onboarding.ipynb").read_text() == (SHIPPED / "onboarding.ipynb").read_text()
    (tmp_path / "onboarding.ipynb").write_text("edited")
    assert main(["notebooks", str(tmp_path)]) == 1
    assert (tmp_path / "onboarding.ipynb").read_text() == "edited"
    assert main(["notebooks", str(tmp_path), "--force"]) == 0


# ---- check ----------------------------------------------------------------------------------

def test_check_finds_every_planted_kind_and_prints_none(tmp_path, capsys):
    planted = planted_notebooks(tmp_path)
    for name, path in planted.items():
        assert main(["check", str(path)]) == 1, name
        out = capsys.readouterr().out
        assert out.startswith(f"{path}: "), name
        assert not [s for s in ALL if s in out], name
    assert main(["check", str(planted["json"])]) == 1
    out = capsys.readouterr().out
    assert "cell 1 outputs: secret access key" in out and "session token" in out


def test_fix_redacts_in_place_keeping_the_rest_byte_for_byte(tmp_path, capsys):
    for path in planted_notebooks(tmp_path).values():
        before = path.read_text()
        assert main(["check", "--fix", str(path)]) == 1
        after = path.read_text()
        nbformat.validate(nbformat.reads(after, as_version=4))
        assert main(["check", str(path)]) == 0
        if "attachment" not in path.name:
            expected = before
            for secret in ALL:
                expected = expected.replace(secret, REDACTED)
            assert after == expected


def test_no_false_alarm_on_arns_account_ids_and_roles(tmp_path):
    notebook = notebook_with([code([stream(
        "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataScientist_0e8f64b11a2de899/ada\n"
        "Exported temporary credentials of dev as AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
        f"AWS_SESSION_TOKEN. Account 111122223333, role ReadOnlyAccess, key id {KEY_ID}.\n")])])
    assert scan(notebook) == []


def test_a_file_that_is_not_a_notebook_exits_2(tmp_path):
    path = tmp_path / "x.ipynb"
    path.write_text("{not json")
    assert main(["check", str(path)]) == 2


def test_printing_the_environment_after_env_export_is_caught(home, live_emulator, monkeypatch):
    from helpers import CONFIG

    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "config").write_text(CONFIG)
    notebook = notebook_with([nbformat.v4.new_code_cell(s) for s in [
        "%load_ext ssomagic", "%sso login dev", "%sso env", "import os\ndict(os.environ)"]])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    with Approver(live_emulator):
        NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    kinds = {f.kind for f in scan(notebook)}
    assert {"secret access key", "session token"} <= kinds


def test_the_pre_save_hook_cleans_a_notebook_before_it_is_written(tmp_path):
    model = {"type": "notebook",
             "content": json.loads(nbformat.writes(notebook_with([PLANTED["json"]])))}
    pre_save_hook(model, path="x.ipynb", contents_manager=None)
    assert not [s for s in ALL if s in json.dumps(model)] and scan(model["content"]) == []


def test_the_pre_commit_hook_stops_a_notebook_with_credentials(tmp_path):
    repo = tmp_path / "team-repo"
    repo.mkdir()
    planted = planted_notebooks(repo)["json"]
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    run = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT),
                          "ssomagic-check", "--files", planted.name], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "cell 1 outputs: secret access key" in run.stdout
    assert SECRET_KEY not in run.stdout + run.stderr


# ---- the pytest plugin ----------------------------------------------------------------------

def test_a_teams_own_test_uses_the_emulator_fixture(pytester):
    pytester.makepyfile(test_team="""
        import ssomagic

        def test_our_role_works(sso_emulator):
            sso_emulator.configure({"analyst": "sandbox/DataScientist"})
            with sso_emulator.approving():
                ssomagic.login("analyst", listener=lambda event: None)
            assert ssomagic.whoami("analyst").account_id == "777788889999"
            assert sso_emulator.config_file.read_text().startswith("[sso-session emulator]")
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_check_finds_a_token_with_no_label_and_no_known_prefix_by_context(tmp_path, capsys):
    bare = "Zq3" + "x7Kp" * 20  # mixed case and digits, no prefix any pattern knows
    path = tmp_path / "verbose.ipynb"
    nbformat.write(notebook_with([code([stream(f"      bearer = '{bare}'\n")])]), path)
    assert check_main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "token (by context)" in out and bare not in out


def test_check_finds_what_this_machines_caches_hold_wherever_it_stands(tmp_path, home, capsys):
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    held = "plainlowercasesecretvaluewithnoshape"
    (cache / "x.json").write_text(json.dumps({"accessToken": held, "expiresAt": "x"}))
    path = tmp_path / "bare.ipynb"
    nbformat.write(notebook_with([code([result({"text/plain": f"[{held}]"})])]), path)
    assert check_main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "a secret this machine's AWS caches hold" in out and held not in out


def test_check_on_the_shipped_notebooks_raises_no_alarm_by_context():
    from ssomagic.engine.aws.credential_patterns import CONTEXT

    for path in Path(__file__).resolve().parent.parent.joinpath("notebooks").glob("*.ipynb"):
        assert not CONTEXT.findall(path.read_text())


def test_check_says_so_when_a_notebook_is_clean(tmp_path, capsys):
    path = tmp_path / "clean.ipynb"
    nbformat.write(notebook_with([code([stream("hello\n")])]), path)
    assert check_main([str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: no credentials found\n"


def test_the_generator_finds_a_vanity_start_urls_region_as_configure_does():
    """One region rule: the onboarding notebook follows a vanity URL's redirect too."""
    from ssomagic.onboarding import Organisation

    org = Organisation.checked("https://sso.acme.example/start", head=lambda url: (
        302, "https://acme.eu-west-2.portal.amazonaws.com/start"))
    assert org.region == "eu-west-2" and org.start_url == "https://sso.acme.example/start"
