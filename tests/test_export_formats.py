"""The text `aws configure export-credentials` prints in each format, to the character, and
the keys that do not expire (a plain profile's) printed without a token or expiration."""

from __future__ import annotations

import json

import pytest

from ssomagic.engine.access.export_formats import FORMATS, formatted

TEMPORARY = ("ASIAEXAMPLE", "secret/key", "session-token", "2026-12-02T10:00:00+00:00")
LASTING = ("AKIAEXAMPLE", "secret/key", None, None)


def test_the_formats_are_the_clis_in_its_order():
    assert FORMATS == ("process", "env", "env-no-export", "powershell", "windows-cmd", "fish")


def test_the_process_format_is_credential_process_version_1():
    assert formatted("process", *TEMPORARY) == json.dumps({
        "Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret/key",
        "SessionToken": "session-token", "Expiration": "2026-12-02T10:00:00+00:00"}, indent=2)


def test_lasting_keys_have_no_token_or_expiration_in_the_process_format():
    assert json.loads(formatted("process", *LASTING)) == {
        "Version": 1, "AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": "secret/key"}


@pytest.mark.parametrize(("fmt", "lines"), [
    ("env", ["export AWS_ACCESS_KEY_ID=ASIAEXAMPLE", "export AWS_SECRET_ACCESS_KEY=secret/key",
             "export AWS_SESSION_TOKEN=session-token",
             "export AWS_CREDENTIAL_EXPIRATION=2026-12-02T10:00:00+00:00"]),
    ("env-no-export", ["AWS_ACCESS_KEY_ID=ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret/key",
                       "AWS_SESSION_TOKEN=session-token",
                       "AWS_CREDENTIAL_EXPIRATION=2026-12-02T10:00:00+00:00"]),
    ("powershell", ['$Env:AWS_ACCESS_KEY_ID="ASIAEXAMPLE"',
                    '$Env:AWS_SECRET_ACCESS_KEY="secret/key"',
                    '$Env:AWS_SESSION_TOKEN="session-token"',
                    '$Env:AWS_CREDENTIAL_EXPIRATION="2026-12-02T10:00:00+00:00"']),
    ("windows-cmd", ["set AWS_ACCESS_KEY_ID=ASIAEXAMPLE", "set AWS_SECRET_ACCESS_KEY=secret/key",
                     "set AWS_SESSION_TOKEN=session-token",
                     "set AWS_CREDENTIAL_EXPIRATION=2026-12-02T10:00:00+00:00"]),
    ("fish", ['set -gx AWS_ACCESS_KEY_ID "ASIAEXAMPLE"',
              'set -gx AWS_SECRET_ACCESS_KEY "secret/key"',
              'set -gx AWS_SESSION_TOKEN "session-token"',
              'set -gx AWS_CREDENTIAL_EXPIRATION "2026-12-02T10:00:00+00:00"']),
])
def test_each_shell_format_sets_the_four_variables_as_the_cli_does(fmt, lines):
    assert formatted(fmt, *TEMPORARY) == "\n".join(lines)


def test_lasting_keys_set_only_the_key_and_secret_in_a_shell_format():
    assert formatted("env", *LASTING) == ("export AWS_ACCESS_KEY_ID=AKIAEXAMPLE\n"
                                         "export AWS_SECRET_ACCESS_KEY=secret/key")
