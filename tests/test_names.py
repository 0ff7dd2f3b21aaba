"""The one naming rule for new profiles, and what makes any name one the AWS CLI accepts."""

from __future__ import annotations

import pytest

from ssomagic.engine.config.names import profile_name, sanitise


@pytest.mark.parametrize(("given", "name"), [
    ("DataScientist-111122223333", "DataScientist-111122223333"),
    ("Data Scientist [prod]", "Data-Scientist-prod"),  # spaces and brackets become one hyphen
    ("  edge  ", "edge"),  # no hyphen left at either end
    ("a -b", "a-b"),  # runs of hyphens collapse
    ("ok_name.v2@team+x", "ok_name.v2@team+x"),  # what the CLI accepts stays as it is
    ("[ ]", "profile"),  # nothing usable left: still a name
    ("X-ray X", "X-ray-X"),  # only hyphens are trimmed, never a letter
])
def test_a_name_becomes_one_the_aws_cli_accepts(given, name):
    assert sanitise(given) == name


def test_a_new_profile_is_named_as_aws_configure_sso_names_it():
    assert profile_name("DataScientist", "111122223333") == "DataScientist-111122223333"


def test_a_template_without_an_account_name_falls_back_to_the_account_id():
    assert profile_name("Admin", "111122223333", template="{account_name}-{role_name}") == (
        "111122223333-Admin")
    assert profile_name("Admin", "111122223333", account_name="analytics dev",
                        template="{account_name}-{role_name}") == "analytics-dev-Admin"


def test_a_template_may_name_the_session_and_has_it_empty_when_none_is_given():
    assert profile_name("Admin", "1", session="acme", template="{session}-{role_name}") == (
        "acme-Admin")
    assert profile_name("Admin", "1", template="{session}{role_name}") == "Admin"
