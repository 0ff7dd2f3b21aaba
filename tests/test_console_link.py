"""A link that opens the AWS console as the profile's account and role: the portal's shortcut
anywhere, a federated sign-in link only where it is opened (it is a credential)."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
from helpers import Approver

from ssomagic import api
from ssomagic.console.cli import main


@pytest.fixture
def signed_in(config_file, live_emulator):
    with Approver(live_emulator):
        assert main(["login", "dev"]) == 0


def test_the_portal_link_names_the_account_and_role(config_file):
    link = api.console_link("dev")
    assert link == ("https://d-1234567890.awsapps.com/start/#/console?"
                    "account_id=111122223333&role_name=DataScientist")


def test_a_destination_goes_to_that_services_page_in_the_profiles_region(config_file):
    link = api.console_link("dev", destination="s3")
    query = urllib.parse.parse_qs(link.split("?", 1)[1])
    assert query["destination"] == ["https://console.aws.amazon.com/s3/home?region=eu-west-1"]


def test_a_federated_link_signs_the_browser_in_as_the_role(signed_in, live_emulator,
                                                           monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", live_emulator.url)
    capsys.readouterr()
    assert main(["console", "dev", "--federated", "--no-browser"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith(f"{live_emulator.url}/federation?Action=login") and "SigninToken=" \
        in link
    with urllib.request.urlopen(link, timeout=10) as page:
        text = page.read().decode()
    assert "Signed in to the console as arn:aws:sts::111122223333:assumed-role/" \
           "AWSReservedSSO_DataScientist_" in text
    with urllib.request.urlopen(link, timeout=10) as page:  # a sign-in token is good once
        assert "expired" in page.read().decode()


def test_a_notebook_shows_the_portal_link_and_refuses_a_federated_one(signed_in):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from ssomagic.notebook.magics import SsoMagics

    ip = InteractiveShell.instance()
    ip.register_magics(SsoMagics(ip))
    with capture_output() as captured:
        ip.run_cell("%sso console dev")
        refused = ip.run_cell("%sso console dev --federated")
    assert "#/console?account_id=111122223333&role_name=DataScientist" in captured.stdout
    assert not refused.success
    assert "never goes into a notebook" in captured.stdout + captured.stderr
    assert "SigninToken" not in captured.stdout
