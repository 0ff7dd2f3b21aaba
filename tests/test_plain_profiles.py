"""Profiles that are not signed in through IAM Identity Center (static keys, a
credential_process, even one that calls ssomagic) are listed, bound and asked about; login
says there is nothing to sign in to and where their credentials come from."""

from __future__ import annotations

import json
import os
import shutil
import sys

import boto3
import pytest
from helpers import CONFIG, Approver, live_runtime

from ssomagic import api
from ssomagic.console.cli import main
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import NothingToSignInError
from ssomagic.engine.runtime import Runtime


def exe() -> str:
    return shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"


@pytest.fixture
def plain(home, live_emulator, monkeypatch):
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(CONFIG + f"""
[profile through-process]
credential_process = {exe()} export-credentials --profile prod
region = us-east-1

[profile keys]
aws_access_key_id = AKIAEXAMPLEEXAMPLE12
aws_secret_access_key = not-a-real-secret-key-for-this-test-only
region = eu-west-1
""")
    runtime = live_runtime(home)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=lambda e: None)
    return runtime


def test_plain_profiles_are_listed_with_where_their_credentials_come_from(plain, capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    assert "through-process\t-\tus-east-1\t(credential_process)" in out
    assert "keys\t-\teu-west-1\t(static keys)" in out
    assert "dev\t111122223333/DataScientist" in out


def test_login_to_a_plain_profile_says_there_is_nothing_to_sign_in_to(plain, capsys):
    assert main(["login", "keys"]) == 0
    out = capsys.readouterr().out
    assert "keys gets its credentials from the access keys in its section" in out
    assert "nothing to sign in to" in out
    with pytest.raises(NothingToSignInError, match="credential_process"):
        api.login("through-process", runtime=plain)


def test_a_credential_process_profile_is_bound_and_knows_who_it_is(plain):
    api.use("through-process", runtime=plain)
    assert os.environ["AWS_PROFILE"] == "through-process"
    assert boto3.client("sts").get_caller_identity()["Account"] == "444455556666"
    identity = api.whoami("through-process", runtime=plain)
    assert identity.account_id == "444455556666" and identity.role == "ReadOnlyAccess"
    assert "credentials from the credential_process" in str(identity)


def test_a_credential_process_profile_exports_as_the_cli_does(plain, capsys):
    assert main(["export-credentials", "--profile", "through-process", "--format", "env"]) == 0
    names = [line.split("=", 1)[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["export AWS_ACCESS_KEY_ID", "export AWS_SECRET_ACCESS_KEY",
                     "export AWS_SESSION_TOKEN", "export AWS_CREDENTIAL_EXPIRATION"]


def test_static_keys_export_without_a_token_or_expiry(plain, capsys):
    assert main(["export-credentials", "--profile", "keys"]) == 0
    out = capsys.readouterr().out
    assert '"AccessKeyId": "AKIAEXAMPLEEXAMPLE12"' in out
    assert "SessionToken" not in out and "Expiration" not in out


def test_the_identity_card_shows_a_plain_profile(plain):
    from ssomagic.engine.binding.kernel_binding import KernelBinding
    from ssomagic.notebook.widgets.identity_card import IdentityCard

    binding = KernelBinding(plain)
    card = IdentityCard(runtime=plain, binding=binding)
    try:
        binding.bind(load_config(plain).plain("through-process"))
        future = card.load()
        assert future is not None
        future.result(timeout=30)
        assert card.state == "ready"
        assert "444455556666" in card.html.value
        assert "credential_process" in card.html.value
    finally:
        card.close()


def test_the_picker_offers_a_credential_process_profile_and_binds_it(plain):
    from helpers import wait_until

    from ssomagic.engine.binding.kernel_binding import KernelBinding
    from ssomagic.notebook.widgets.profile_picker import ProfilePicker

    binding = KernelBinding(plain)
    picker = ProfilePicker(runtime=plain, binding=binding)
    try:
        labels = dict((name, label) for label, name in picker.select.options)
        assert labels["through-process"] == "through-process · credential_process"
        picker.select.value = "through-process"
        wait_until(lambda: binding.profile == "through-process")
    finally:
        picker.close()


@pytest.fixture
def unusable(home, tmp_path):
    """Two credential_process profiles botocore cannot use: one that fails, one whose
    Expiration has no time zone."""
    naive = tmp_path / "naive.py"
    naive.write_text('import json\nprint(json.dumps({"Version": 1, "AccessKeyId": "AKIAX", '
                     '"SecretAccessKey": "s", "SessionToken": "t", '
                     '"Expiration": "2030-01-01T00:00:00"}))\n')
    failing = tmp_path / "failing.py"
    failing.write_text("import sys\nsys.exit('the vault is sealed')\n")
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(
        f"[profile failing]\ncredential_process = {sys.executable} {failing}\n"
        f"[profile naive]\ncredential_process = {sys.executable} {naive}\n")
    return home


@pytest.mark.parametrize(("profile", "why"), [
    ("failing", "Error when retrieving credentials from custom-process: the vault is sealed"),
    ("naive", "the expiry it gave has no time zone (end it with Z)"),
])
@pytest.mark.parametrize("command", ["export-credentials --profile", "whoami"])
def test_credentials_botocore_cannot_use_are_one_line_naming_the_profile(
        unusable, capsys, profile, why, command):
    assert main([*command.split(), profile]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"ssomagic: No credentials for {profile} from the "
                            f"credential_process `{sys.executable} {unusable.parent}/"
                            f"{profile}.py`: {why}. Check that profile's section.\n")


@pytest.mark.parametrize("where", ["config", "credentials"])
def test_a_plain_profiles_keys_come_from_the_runtimes_own_files(home, tmp_path, where):
    """A runtime with a home of its own: the profile's keys are in its files, and the
    process's own files do not have that profile at all."""
    elsewhere = Runtime(home=tmp_path / "elsewhere", environ={})
    (elsewhere.home / ".aws").mkdir(parents=True)
    keys = ("aws_access_key_id = AKIAELSEWHEREEXAMPLE\n"
            "aws_secret_access_key = not-a-real-secret-key-elsewhere\n")
    if where == "config":
        elsewhere.config_file.write_text(f"[profile keys]\n{keys}")
    else:
        elsewhere.config_file.write_text("[profile keys]\nregion = eu-west-1\n")
        elsewhere.credentials_file.write_text(f"[keys]\n{keys}")
    exported = json.loads(api.export_credentials("keys", runtime=elsewhere))
    assert exported["AccessKeyId"] == "AKIAELSEWHEREEXAMPLE"


@pytest.fixture
def keyed(home, live_emulator, monkeypatch):
    """As `aws configure --profile analyst` leaves it: the region in the config, the keys in
    the shared credentials file; and one profile that is in the credentials file alone."""
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text("[profile analyst]\nregion = eu-west-1\n")
    (home / ".aws" / "credentials").write_text(
        "[analyst]\naws_access_key_id = AKIAANALYSTEXAMPLE01\n"
        "aws_secret_access_key = not-a-real-secret-key-analyst\n\n"
        "[ci]\naws_access_key_id = AKIACIEXAMPLEEXAMPL1\n"
        "aws_secret_access_key = not-a-real-secret-key-ci\n")
    return live_runtime(home)


def test_keys_in_the_shared_credentials_file_make_a_plain_profile(keyed, capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    assert "analyst\t-\teu-west-1\t(static keys)" in out
    assert "ci\t-\t-\t(static keys)" in out  # in the credentials file alone
    assert "not-a-real-secret" not in out and "AKIA" not in out
    config = load_config(keyed)
    assert config.plain("analyst").how == "the access keys in the shared credentials file"


def test_a_profile_with_keys_in_the_credentials_file_exports_them(keyed):
    for profile, key in (("ci", "AKIACIEXAMPLEEXAMPL1"), ("analyst", "AKIAANALYSTEXAMPLE01")):
        assert json.loads(api.export_credentials(profile, runtime=keyed))["AccessKeyId"] == key


def test_keys_added_to_the_credentials_file_later_are_seen(keyed):
    assert load_config(keyed).plain("late") is None
    credentials = keyed.credentials_file
    credentials.write_text(credentials.read_text() + "\n[late]\naws_access_key_id = AKIALATE\n"
                           "aws_secret_access_key = not-a-real-secret-key-late\n")
    assert load_config(keyed).plain("late") is not None


def test_without_a_config_file_the_credentials_file_is_read_again_only_when_it_changes(keyed):
    keyed.config_file.unlink()  # `aws configure` in a fresh home may write the keys alone
    first = load_config(keyed)
    assert first.keyed == {"analyst", "ci"} and load_config(keyed) is first
    credentials = keyed.credentials_file
    credentials.write_text(credentials.read_text() + "\n[late]\naws_access_key_id = AKIALATE\n"
                           "aws_secret_access_key = not-a-real-secret-key-late\n")
    assert load_config(keyed).keyed == {"analyst", "ci", "late"}
