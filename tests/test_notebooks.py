"""The onboarding notebooks: stored clean, built with nbformat, and they run top to bottom in a
real kernel against the emulator without a single secret reaching an output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import Approver
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


def secrets_in(notebook, secrets):
    text = json.dumps(notebook)
    return [s for s in secrets if s in text]


def test_onboarding_runs_top_to_bottom_and_leaks_nothing(home, monkeypatch, live_emulator):
    env = prepare_home(home)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    notebook = nbformat.read(home / "notebooks" / "onboarding.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(home / "notebooks")}})
    with Approver(live_emulator):
        client.execute()
    outputs = "\n".join(o.get("text", "") + json.dumps(o.get("data", {}))
                        for c in notebook.cells for o in c.get("outputs", []))
    assert "Then enter the code:" in outputs
    assert "ada as DataScientist in analytics-dev (111122223333)" in outputs
    assert "assumed-role/AWSReservedSSO_DataScientist_" in outputs
    assert "demo: signed in" in outputs
    secrets = live_emulator.state.issued_secrets()
    assert len(secrets) >= 5
    assert secrets_in(notebook, secrets) == []
