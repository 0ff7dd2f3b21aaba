"""A link that opens the AWS console as the profile's account and role: the portal's shortcut
anywhere, a federated sign-in link only where it is opened (it is a credential)."""

from __future__ import annotations

import http.server
import socket
import threading
import urllib.parse
import urllib.request

import pytest
from helpers import Approver, nothing_in

from ssomagic import api
from ssomagic.console.cli import main
from ssomagic.engine.access.console_link import destination_url
from ssomagic.engine.errors import BadAnswerError, ConfigError, ServiceError
from ssomagic.engine.runtime import Runtime


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


def test_a_federated_link_opens_the_destination_in_the_profiles_region_as_ssomagic(
        signed_in, live_emulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", f"{live_emulator.url}/federation/")
    link = api.console_link("dev", federated=True, destination="ec2")
    base, _, query = link.partition("?")
    assert base == f"{live_emulator.url}/federation"  # "/federation" not appended twice
    params = urllib.parse.parse_qs(query)
    assert params["Action"] == ["login"] and params["Issuer"] == ["ssomagic"]
    assert params["Destination"] == ["https://console.aws.amazon.com/ec2/home?region=eu-west-1"]


def test_a_federation_endpoint_that_refuses_says_the_role_may_not_allow_console_access(
        signed_in, live_emulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", live_emulator.url)
    api.whoami("dev")  # role credentials, cached
    live_emulator.state.revoke_role_credentials()  # still cached here, unknown there
    with pytest.raises(ServiceError) as caught:
        api.console_link("dev", federated=True)
    assert str(caught.value) == (
        "The AWS sign-in federation endpoint refused to give a console sign-in token (HTTP "
        "400). The role may not allow console access; try the portal link (without "
        "--federated).")
    assert (caught.value.code, caught.value.fault) == ("400", "request")


class Answering(http.server.BaseHTTPRequestHandler):
    """A federation endpoint (a proxy's, a wrong setting's) that answers 200 without a token,
    noting how it was asked."""

    asked: list[tuple[str, str, str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Answering.asked.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def test_a_federation_answer_without_a_sign_in_token_is_one_line(signed_in, monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), Answering)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(BadAnswerError) as caught:
            api.console_link("dev", federated=True)
    finally:
        server.shutdown()
    assert str(caught.value) == (
        "The AWS sign-in federation endpoint answered the request to give a console sign-in "
        "token with something that is not what the API promises (no SigninToken). A proxy or "
        "a wrong AWS_ENDPOINT_URL_* setting often does this; check them, then try again.")
    path, content_type, body = Answering.asked[-1]
    assert (path, content_type) == ("/federation", "application/x-www-form-urlencoded")
    assert urllib.parse.parse_qs(body)["Action"] == ["getSigninToken"]  # keys in no URL


@pytest.mark.parametrize(("destination", "region", "url"), [
    ("s3", "eu-west-1", "https://console.aws.amazon.com/s3/home?region=eu-west-1"),
    ("/s3/", None, "https://console.aws.amazon.com/s3/home"),
    (None, "us-east-1", "https://console.aws.amazon.com/console/home?region=us-east-1"),
    ("https://console.aws.amazon.com/iam/home#/roles", "eu-west-1",
     "https://console.aws.amazon.com/iam/home#/roles"),
])
def test_a_destination_is_a_services_page_or_a_console_url_as_given(destination, region, url):
    assert destination_url(destination, region) == url


def test_a_start_url_written_with_a_final_slash_gives_the_same_link(config_file):
    config_file.write_text(config_file.read_text().replace(
        "sso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_registration_scopes", "sso_start_url = https://d-1234567890.awsapps.com/start/\n"
        "sso_region = us-east-1\nsso_registration_scopes"))
    assert api.console_link("dev") == ("https://d-1234567890.awsapps.com/start/#/console?"
                                       "account_id=111122223333&role_name=DataScientist")


@pytest.mark.parametrize("profile", ["signin-only", "chained"])
def test_a_profile_the_portal_has_no_shortcut_for_says_so_and_what_to_use(config_file,
                                                                          profile):
    config_file.write_text(config_file.read_text() + (
        "\n[profile signin-only]\nsso_session = my-sso\n"
        "\n[profile chained]\nrole_arn = arn:aws:iam::555566667777:role/R\n"
        "source_profile = dev\n"))
    with pytest.raises(ConfigError) as caught:
        api.console_link(profile)
    assert str(caught.value) == (
        f"{profile} is not an IAM Identity Center role, so the access portal has no shortcut "
        "for it. Use --federated, or a profile with sso_account_id and sso_role_name.")


def test_an_unreachable_federation_endpoint_is_one_line_naming_it(signed_in, monkeypatch,
                                                                  unused_port, home):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", f"http://127.0.0.1:{unused_port}")
    quick = Runtime(home=home, sleep=lambda seconds: None)  # the retries' back-off, skipped
    with pytest.raises(ServiceError) as caught:
        api.console_link("dev", federated=True, runtime=quick)
    assert str(caught.value) == (
        "Could not reach the AWS sign-in federation endpoint in eu-west-1 to give a console "
        "sign-in token "
        "(EndpointConnectionError), even after retrying. Check the network or proxy, and that "
        "sso_region in your config is the region of your start URL; then try again.")
    assert caught.value.fault == "network"


def test_a_federation_endpoint_that_never_answers_is_given_up_on_at_the_read_timeout(
        signed_in, monkeypatch, home):
    """A connection accepted and never answered (a proxy that swallows it): each try ends at
    ssomagic's read timeout (here a fifth of a second), never waits for ever."""
    from ssomagic.engine import timing

    monkeypatch.setattr(timing, "READ_TIMEOUT", 0.2)
    with socket.socket() as silent:  # listens, so connections are queued and never answered
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN",
                           f"http://127.0.0.1:{silent.getsockname()[1]}")
        quick = Runtime(home=home, sleep=lambda seconds: None)
        outcome: list[BaseException] = []

        def link() -> None:
            try:
                api.console_link("dev", federated=True, runtime=quick)
            except BaseException as exc:  # handed to the test's thread
                outcome.append(exc)

        asking = threading.Thread(target=link, daemon=True)
        asking.start()
        asking.join(timeout=20)  # ten tries of 0.2 s, with room for a loaded machine
        assert not asking.is_alive(), "still waiting on an endpoint that never answers"
    assert len(outcome) == 1 and isinstance(outcome[0], ServiceError), outcome
    assert str(outcome[0]).startswith(
        "Could not reach the AWS sign-in federation endpoint in eu-west-1 to give a console "
        "sign-in token (ReadTimeoutError), even after retrying.")


def test_without_an_endpoint_variable_the_token_is_asked_of_aws_own_federation_endpoint(
        signed_in, monkeypatch, host_probe, home):
    monkeypatch.delenv("AWS_ENDPOINT_URL_SIGNIN", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", host_probe.url)  # the portal's endpoint is http://
    quick = Runtime(home=home, sleep=lambda seconds: None)
    with pytest.raises(ServiceError):
        api.console_link("dev", federated=True, runtime=quick)
    assert host_probe.hosts and set(host_probe.hosts) == {"signin.aws.amazon.com"}


def test_a_federated_link_on_a_runtime_with_a_home_of_its_own_keeps_to_it(
        signed_in_elsewhere, home, emulator):
    link = api.console_link("dev", federated=True, runtime=signed_in_elsewhere)
    assert link.startswith(f"{emulator.url}/federation?Action=login")
    assert nothing_in(home)


def test_the_federation_endpoint_is_reached_directly_where_no_proxy_says_so(
        signed_in_elsewhere, home, emulator, host_probe, monkeypatch):
    """HTTP(S)_PROXY and NO_PROXY apply to the federation request as botocore applies them
    to a client's: the loopback emulator is in NO_PROXY, so the probe sees nothing."""
    monkeypatch.setenv("HTTP_PROXY", host_probe.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    link = api.console_link("dev", federated=True, runtime=signed_in_elsewhere)
    assert link.startswith(f"{emulator.url}/federation?Action=login")
    assert host_probe.hosts == []
    monkeypatch.delenv("NO_PROXY")
    with pytest.raises(ServiceError):  # through the probe, which answers no request
        api.console_link("dev", federated=True, runtime=signed_in_elsewhere)
    assert "127.0.0.1" in host_probe.hosts
