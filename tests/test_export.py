"""export-credentials in the engine (engine/access/export.py): which credentials a profile
exports, from which home, and what it says when it cannot."""

from __future__ import annotations

import json

import pytest
from helpers import CONFIG, approve_when_asked

from ssomagic import api
from ssomagic.engine.access.export import export_credentials
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import NotAnSsoProfileError
from ssomagic.engine.runtime import Runtime

CHAINED = CONFIG + """
[profile data]
role_arn = arn:aws:iam::555566667777:role/DataReader
source_profile = dev
"""


def test_an_unknown_format_names_those_there_are(config_file, runtime):
    with pytest.raises(ValueError) as caught:
        export_credentials(load_config(runtime).profile("dev"), "yaml", runtime)
    assert str(caught.value) == ("unknown format 'yaml'; one of process, env, env-no-export, "
                                 "powershell, windows-cmd, fish")


def test_a_profile_without_a_role_has_no_credentials_to_export(config_file, runtime):
    config_file.write_text(CONFIG + "\n[profile signin]\nsso_session = my-sso\n")
    with pytest.raises(NotAnSsoProfileError) as caught:
        export_credentials(load_config(runtime).profile("signin"), "process", runtime)
    assert "so it has no credentials to export." in str(caught.value)


@pytest.mark.parametrize("profile", ["dev", "data"])
def test_credentials_are_exported_from_the_runtimes_own_home(profile, config_file, home,
                                                             tmp_path, emulator, clock):
    """A role's, or a chain's (its source's role credentials, then AssumeRole): fetched
    with the runtime's sign-in and cached in its home, never in the process's."""
    elsewhere = Runtime(home=tmp_path / "elsewhere", environ={}, now=clock.now,
                        sleep=clock.sleep)
    elsewhere.config_file.parent.mkdir(parents=True)
    elsewhere.config_file.write_text(CHAINED)
    config_file.write_text("")
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=elsewhere, listener=lambda event: None)
    exported = json.loads(api.export_credentials(profile, runtime=elsewhere))
    assert exported["AccessKeyId"] and exported["Expiration"]
    assert list((elsewhere.home / ".aws" / "cli" / "cache").glob("*.json"))
    assert not (home / ".aws" / "cli").exists() and not (home / ".aws" / "sso").exists()
