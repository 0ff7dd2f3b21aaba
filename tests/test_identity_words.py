"""An Identity in words (engine/access/identity.py): the one line the console, the magics'
plain output and a log show, and the permission set read back from an assumed-role ARN."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ssomagic.engine.access.identity import Identity, role_from_arn

UNTIL = datetime(2026, 12, 2, 17, 30, tzinfo=timezone.utc)
ARN = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataScientist_0a1b2c3d/ada"


def identity(**changes) -> Identity:
    values = dict(profile="dev", account_id="111122223333", account_name="analytics-dev",
                  role="DataScientist", arn=ARN, user="ada", user_id="AROA:ada",
                  region="eu-west-1", token_expires_at=UNTIL)
    return Identity(**{**values, **changes})


@pytest.mark.parametrize(("changes", "words"), [
    ({}, "ada as DataScientist in analytics-dev (111122223333), region eu-west-1, token until "
         "2026-12-02 17:30 UTC"),
    ({"account_name": None, "region": None},
     "ada as DataScientist in 111122223333, region -, token until 2026-12-02 17:30 UTC"),
    ({"via": ("deploy", "dev")}, "ada as DataScientist in analytics-dev (111122223333) "
                                 "(assumed via deploy -> dev), region eu-west-1, token until "
                                 "2026-12-02 17:30 UTC"),
    ({"token_expires_at": None, "source": None, "account_name": None},
     "ada as DataScientist in 111122223333, region eu-west-1, credentials that do not expire"),
    ({"source": "the access keys in its section", "token_expires_at": None},
     "ada as DataScientist in analytics-dev (111122223333), region eu-west-1, credentials "
     "from the access keys in its section"),
    ({"source": "the credential_process `vault aws`"},
     "ada as DataScientist in analytics-dev (111122223333), region eu-west-1, credentials "
     "from the credential_process `vault aws` until 2026-12-02 17:30 UTC"),
])
def test_an_identity_reads_as_one_line(changes, words):
    assert str(identity(**changes)) == words


def test_its_pretty_form_is_its_line():
    printed: list[str] = []

    class Printer:
        def text(self, value: str) -> None:
            printed.append(value)

    identity()._repr_pretty_(Printer(), False)
    assert printed == [str(identity())]


def test_seconds_left_count_to_the_expiry_and_never_end_without_one():
    assert identity().seconds_left(UNTIL - timedelta(minutes=5)) == 300
    assert identity(token_expires_at=None).seconds_left(UNTIL) == float("inf")


@pytest.mark.parametrize(("arn", "role"), [
    (ARN, "DataScientist"),
    ("arn:aws:sts::1:assumed-role/AWSReservedSSO_Data_Scientist_0a1b2c3d/ada", "Data_Scientist"),
    ("arn:aws:sts::1:assumed-role/Deploy/botocore-session-1", "Deploy"),
    ("arn:aws:iam::1:user/ada", None),
])
def test_the_permission_set_is_read_from_an_assumed_role_arn(arn, role):
    assert role_from_arn(arn) == role
