"""The onboarding notebooks: stored clean, built with nbformat, and they run top to bottom in a
real kernel against the emulator without a single secret reaching an output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import CONFIG, Approver
from nbclient import NotebookClient

from ssomagic.demo import prepare_home

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_committed_notebooks_match_their_nbformat_source():
    result = subprocess.run([sys.executable, str(NOTEBOOKS / "build.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_notebooks_are_valid_and_clean(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert "widgets" not in notebook.metadata
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in notebook.cells if c.cell_type == "code")


def text_of(notebook) -> str:
    """Every output of every cell, as one string (text, HTML, widget views)."""
    return "\n".join(o.get("text", "") + json.dumps(o.get("data", {}))
                     for c in notebook.cells for o in c.get("outputs", []))


def leaked(notebook, secrets) -> list[str]:
    """Secrets found anywhere in the saved notebook: outputs and widget state alike."""
    text = json.dumps(notebook)
    return [s for s in secrets if s in text]


@pytest.fixture
def empty_home(home, monkeypatch, live_emulator):
    """The demo home as the demo starts it: notebooks, and no ~/.aws at all."""
    env = prepare_home(home)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert not (home / ".aws").exists()
    return home


@pytest.fixture
def kernel_env(empty_home):
    """A home with the test config (profiles dev, prod, legacy of sso-session my-sso)."""
    (empty_home / ".aws").mkdir()
    (empty_home / ".aws" / "config").write_text(CONFIG)
    return empty_home


def notebook_of(sources):
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(s) for s in sources],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}})


def client_for(notebook, home):
    return NotebookClient(notebook, timeout=60, kernel_name="python3",
                          resources={"metadata": {"path": str(home / "notebooks")}})


def output_of(notebook, source_start: str) -> str:
    cell = next(c for c in notebook.cells if c.source.startswith(source_start))
    return text_of(nbformat.from_dict({"cells": [cell]}))


def test_onboarding_runs_top_to_bottom_from_an_empty_home_and_leaks_nothing(empty_home,
                                                                          live_emulator):
    notebook = nbformat.read(empty_home / "notebooks" / "onboarding.ipynb", as_version=4)
    with Approver(live_emulator):
        client_for(notebook, empty_home).execute()
    assert "Added [sso-session my-org]" in output_of(notebook, "%sso configure --start-url")
    assert "sandbox" in output_of(notebook, "%sso accounts")
    assert "Bound to <b>DataScientist-111122223333</b>" in output_of(notebook, "%sso use")
    assert "assumed-role/AWSReservedSSO_DataScientist_" in output_of(notebook, "import boto3")
    assert "profile=DataScientist-111122223333 region=us-east-1" in output_of(notebook, "!echo")
    assert "444455556666" in output_of(notebook, "%%sso {OTHER_ROLE}")
    assert "111122223333" in output_of(notebook, 'boto3.client("sts")')
    assert "would be added" in output_of(notebook, "%sso populate")
    assert "my-org" in output_of(notebook, "%sso status")
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert any("ssomagic-wizard" in m["state"].get("_dom_classes", ()) for m in state.values())
    config = (empty_home / ".aws" / "config").read_text()
    assert config.startswith("[sso-session my-org]\n")
    assert "[profile AdministratorAccess-777788889999]" not in config  # the populate was a dry run
    secrets = live_emulator.state.issued_secrets()
    assert len(secrets) >= 5
    assert leaked(notebook, secrets) == []


def test_error_panels_replace_tracebacks_and_login_recovers_old_clients(kernel_env,
                                                                       live_emulator):
    nb = notebook_of([
        "%load_ext ssomagic",
        "%sso login dev",
        "import boto3\nsts = boto3.client('sts')\nsts.get_caller_identity()['Account']",
        "sts.get_caller_identity()",            # 3: after revocation, an error panel
        "%sso login dev --force",
        "sts.get_caller_identity()['Account']",  # 5: the same client works again
        "%sso logout",
        "import os; print(os.environ.get('AWS_PROFILE'))",
    ])
    revoke = lambda: live_emulator.state.revoke_tokens(role_credentials=True)  # noqa: E731
    client = client_for(nb, kernel_env)
    with Approver(live_emulator), client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except Exception:  # the failing cell is expected (Run All would stop there)
                assert index == 3
            if index == 2:
                revoke()
        client.set_widgets_metadata()
    panel = text_of(nbformat.from_dict({"cells": [nb.cells[3]]}))
    assert "ssomagic-error" in panel and "Not signed in" in panel
    assert "application/vnd.jupyter.widget-view+json" in panel  # the sign-in button
    assert "Traceback" not in panel
    assert "111122223333" in text_of(nbformat.from_dict({"cells": [nb.cells[5]]}))
    assert "None" in text_of(nbformat.from_dict({"cells": [nb.cells[7]]}))
    assert leaked(nb, live_emulator.state.issued_secrets()) == []


def test_cell_magic_and_env_in_a_kernel(kernel_env, live_emulator):
    nb = notebook_of([
        "%load_ext ssomagic",
        "%sso login dev",
        "%%sso prod\nimport boto3\nprint(boto3.client('sts').get_caller_identity()['Account'])",
        "print(boto3.client('sts').get_caller_identity()['Account'])",
        "%sso env",
        "import os; print(os.environ['AWS_ACCESS_KEY_ID'][:4], 'AWS_SESSION_TOKEN' in os.environ)",
        "%sso use prod",
        "print('AWS_ACCESS_KEY_ID' in os.environ)",
    ])
    with Approver(live_emulator):
        client_for(nb, kernel_env).execute()
    outs = [text_of(nbformat.from_dict({"cells": [c]})) for c in nb.cells]
    assert "444455556666" in outs[2] and "111122223333" in outs[3]
    assert "They expire at" in outs[4]
    assert "ASIA True" in outs[5] and "False" in outs[7]
    assert leaked(nb, live_emulator.state.issued_secrets()) == []


def test_several_accounts_runs_top_to_bottom_from_an_empty_home(empty_home, live_emulator):
    notebook = nbformat.read(empty_home / "notebooks" / "several-accounts.ipynb", as_version=4)
    with Approver(live_emulator):
        client_for(notebook, empty_home).execute()
    side_by_side = output_of(notebook, "import boto3")
    assert ("'DataScientist-111122223333': '111122223333'" in side_by_side
            and "'DataScientist-777788889999': '777788889999'" in side_by_side)
    assert "sandbox (777788889999)" in output_of(notebook, "ssomagic.whoami")
    assert ("444455556666:assumed-role/AWSReservedSSO_ReadOnlyAccess_"
            in output_of(notebook, "%%sso"))
    assert ("111122223333:assumed-role/AWSReservedSSO_DataScientist_"  # the binding is back
            in output_of(notebook, 'boto3.client("sts")'))
    assert len(live_emulator.state.snapshot()["device_authorizations"]) == 1
    assert leaked(notebook, live_emulator.state.issued_secrets()) == []


# The picker's card loads in the background; its output is updated when it is ready.
WAIT_FOR_CARDS = """\
import time
import ipywidgets
cards = [w for w in list(ipywidgets.Widget.widgets.values())
         if type(w).__name__ == "IdentityCard"]
deadline = time.monotonic() + 30
while any(c.state != "ready" for c in cards) and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(1.0)  # the display update, sent by the observer that follows "ready"
print([c.state for c in cards])"""


def test_a_saved_notebook_shows_who_ran_it_without_a_live_kernel(kernel_env, live_emulator):
    from nbconvert import HTMLExporter

    nb = notebook_of(["%load_ext ssomagic", "%sso login dev", "%sso whoami prod",
                      "%sso picker", WAIT_FOR_CARDS])
    with Approver(live_emulator):
        client_for(nb, kernel_env).execute()
    nb.metadata.pop("widgets", None)  # as GitHub, nbviewer or a restarted JupyterLab see it
    html, _ = HTMLExporter().from_notebook_node(nb)
    for cell in nb.cells[1:4]:
        bundle = next(o["data"] for o in cell.outputs if "data" in o
                      and "application/vnd.jupyter.widget-view+json" in o["data"])
        assert "IdentityCard(" not in bundle["text/plain"]
    assert "analytics-dev (111122223333)" in html and "analytics-prod (444455556666)" in html
    assert "['ready', 'ready', 'ready']" in html, "a card did not show anyone"
    for cell in nb.cells[1:4]:  # login, whoami and the picker: each shows its identity
        shown = [o for o in cell.outputs if 'class="ssomagic-identity"' in
                 o.get("data", {}).get("text/html", "")]
        assert shown, f"{cell.source!r} saved no identity: {cell.outputs}"
    assert "Error displaying widget" not in html
    assert leaked(nb, live_emulator.state.issued_secrets()) == []


def test_every_sso_output_reads_as_text_in_a_saved_notebook(kernel_env, live_emulator):
    nb = notebook_of([
        "%load_ext ssomagic",
        "%sso login dev",
        "%sso accounts",
        "%sso use prod",
        "%sso populate my-sso --dry-run --role DataScientist",
        "%sso status",
        "%sso configure --start-url https://d-1234567890.awsapps.com/start --region us-east-1"
        " --session other",
    ])
    with Approver(live_emulator):
        client_for(nb, kernel_env).execute()
    for cell in nb.cells[1:]:
        plain = [o["data"]["text/plain"] for o in cell.outputs if "data" in o
                 and "text/html" in o["data"]]
        assert plain, cell.source
        assert not [p for p in plain if p.startswith("<IPython.core.display")], cell.source
    accounts = "".join(o["data"]["text/plain"] for o in nb.cells[2].outputs if "data" in o)
    assert "account" in accounts and "sandbox" in accounts and "DataScientist" in accounts


def test_the_shipped_notebooks_run_under_papermill_for_another_organisation(
        empty_home, live_emulator, tmp_path):
    import papermill

    from ssomagic.emulator import Org
    from ssomagic.emulator.org import Account

    live_emulator.state.org = Org(user="bo", accounts=(
        Account("210987654321", "data-lake", "lake@example.com", ("Analyst",)),
        Account("123456789012", "warehouse", "wh@example.com", ("Engineer", "Analyst"))))
    for name in ("onboarding.ipynb", "several-accounts.ipynb"):
        out = tmp_path / name
        with Approver(live_emulator):
            papermill.execute_notebook(
                str(empty_home / "notebooks" / name), str(out), kernel_name="python3",
                cwd=str(empty_home / "notebooks"), progress_bar=False,
                parameters={"START_URL": "https://acme.awsapps.com/start",
                            "REGION": "us-east-1", "SESSION": f"acme-{name[:3]}"})
        notebook = nbformat.read(out, as_version=4)
        text = text_of(notebook)
        assert "This notebook works as data-lake/Analyst and warehouse/Analyst" in text, name
        assert "assumed-role/AWSReservedSSO_Analyst_" in text, name
        assert leaked(notebook, live_emulator.state.issued_secrets()) == []


def test_verbose_tracebacks_of_a_failing_call_leave_no_secret_in_the_saved_notebook(
        kernel_env, live_emulator):
    nb = notebook_of([
        "%load_ext ssomagic",
        "%sso login dev",
        "%xmode Verbose",
        "import json, pathlib\n"
        "from ssomagic.engine.config.read import load_config\n"
        "from ssomagic.engine.files.token_cache import TokenCache\n"
        "document = json.loads(TokenCache().token_path(load_config().profile('dev').sso)"
        ".read_text())\n"
        "def call(bearer, refresh):\n"
        "    raise RuntimeError('the service refused ' + bearer)\n"
        "call(document['accessToken'], document['refreshToken'])",
    ])
    from nbclient.exceptions import CellExecutionError

    with Approver(live_emulator), pytest.raises(CellExecutionError):  # it fails on purpose
        client_for(nb, kernel_env).execute()
    shown = json.dumps(nb.cells[3].outputs)
    assert "RuntimeError" in shown and "bearer" in shown and "[REDACTED]" in shown
    assert leaked(nb, live_emulator.state.issued_secrets()) == []


def test_no_access_names_the_failing_calls_profile_not_the_bound_one(kernel_env,
                                                                      live_emulator):
    config = kernel_env / ".aws" / "config"
    config.write_text(config.read_text() + (
        "\n[profile prod-admin]\nsso_session = my-sso\nsso_account_id = 444455556666\n"
        "sso_role_name = AdministratorAccess\nregion = us-east-1\n"))
    nb = notebook_of([
        "%load_ext ssomagic",
        "%sso login dev",
        "import boto3\n"
        "boto3.Session(profile_name='prod-admin').client('sts').get_caller_identity()",
    ])
    from nbclient.exceptions import CellExecutionError

    with Approver(live_emulator), pytest.raises(CellExecutionError):
        client_for(nb, kernel_env).execute()
    shown = text_of(nbformat.from_dict({"cells": [nb.cells[2]]}))
    assert "No access to role AdministratorAccess in account 444455556666." in shown
    assert "Roles you do have in 444455556666: ReadOnlyAccess." in shown
    assert "777788889999" not in shown and "111122223333" not in shown
