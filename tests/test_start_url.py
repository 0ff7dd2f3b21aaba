"""Start URLs as AWS CLI 2.36 reads them (engine/config/start_url.py): which hosts are AWS's,
which say their region, how a vanity URL is followed, the sso-session name a URL suggests, and
one line for every fault. The vanity URL's request goes through botocore's HTTP stack to a
loopback server here, as it would to an organisation's host."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from ssomagic.engine.config.start_url import (
    check_region,
    check_session_name,
    check_start_url,
    http_head,
    is_aws_host,
    region_for,
    region_in_host,
    resolve,
    session_name_for,
)
from ssomagic.engine.errors import ConfigError


@pytest.mark.parametrize("host", [
    "d-1234567890.awsapps.com", "d-1234567890.awsapps.cn", "ssoins-1.portal.eu-west-1.app.aws",
    "acme.us-east-2.portal.amazonaws.com", "acme.cn-north-1.portal.amazonaws.com.cn",
    "portal.cn-north-1.app.amazonwebservices.com.cn", "acme.eusc-de-east-1.portal.amazonaws.eu",
    "portal.eusc-de-east-1.api.amazonwebservices.eu", "identitycenter.amazonaws.com",
    "identitycenter.amazonaws.com.cn", "identitycenter.amazonaws.eu",
    "identitycenter.us-gov.amazonaws.com",
])
def test_every_host_aws_owns_is_known_as_aws(host):
    assert is_aws_host(host)


@pytest.mark.parametrize("host", [
    "sso.acme.example", "awsapps.com.evil.example", "evilawsapps.com", "app.aws.example",
    "identitycenter.amazonaws.com.evil.example", "amazonaws.com",
])
def test_a_host_that_only_resembles_aws_is_not(host):
    assert not is_aws_host(host)


@pytest.mark.parametrize(("host", "region"), [
    ("ssoins-7223.portal.eu-central-1.app.aws", "eu-central-1"),
    ("acme.us-east-2.portal.amazonaws.com", "us-east-2"),
    ("acme.cn-north-1.portal.amazonaws.com.cn", "cn-north-1"),
    ("acme.eusc-de-east-1.portal.amazonaws.eu", "eusc-de-east-1"),
    ("portal.cn-northwest-1.app.amazonwebservices.com.cn", "cn-northwest-1"),
    ("portal.eusc-de-east-1.api.amazonwebservices.eu", "eusc-de-east-1"),
    ("acme.us-gov-west-1.portal.amazonaws.com", "us-gov-west-1"),
])
def test_a_new_form_host_says_its_region(host, region):
    assert region_in_host(host) == region


@pytest.mark.parametrize("host", [
    "d-1234567890.awsapps.com",  # the classic form never says
    "a.b.portal.eu-west-1.app.aws",  # one label before portal, not two
    "ssoins-1.portal.eu-west-1.app.aws.example",  # anchored at the end
    "xportal.eu-west-1.app.amazonwebservices.com.cn",  # anchored at the start
    "acme.portal.amazonaws.com",  # no region label
])
def test_a_host_of_another_form_says_no_region(host):
    assert region_in_host(host) is None


def test_a_start_url_is_taken_stripped_if_it_is_https_with_a_host():
    assert check_start_url("  https://d-1234567890.awsapps.com/start \n") == (
        "https://d-1234567890.awsapps.com/start")


@pytest.mark.parametrize("url", ["http://d-1234567890.awsapps.com/start", "https:///start",
                                 "d-1234567890.awsapps.com/start", ""])
def test_a_start_url_that_is_not_https_with_a_host_is_one_line_saying_what_to_use(url):
    with pytest.raises(ConfigError) as caught:
        check_start_url(url)
    assert str(caught.value) == (
        f"The start URL {url.strip()!r} is not an https address with a host. Use the AWS access "
        "portal URL your administrator gave you, such as https://d-1234567890.awsapps.com/start.")


def test_a_region_is_checked_against_botocores_partitions():
    assert check_region(" cn-north-1 ") == "cn-north-1"
    assert check_region("us-gov-west-1") == "us-gov-west-1"
    with pytest.raises(ConfigError) as caught:
        check_region("aws-global", flag="--sso-region")
    assert str(caught.value) == ("'aws-global' is not an AWS region. Give the region of your IAM "
                                 "Identity Center with --sso-region, such as us-east-1 or "
                                 "eu-west-1.")


@pytest.mark.parametrize("name", ["my-company", "a", "Team_1.prod", "me+sso@acme", "9lives"])
def test_an_sso_session_name_of_letters_digits_and_punctuation_is_taken(name):
    assert check_session_name(name) == name


@pytest.mark.parametrize("name", ["my company", "-leading", "", "a]b", "tab\there", "team\n"])
def test_an_sso_session_name_that_would_break_the_section_header_is_refused(name):
    with pytest.raises(ConfigError) as caught:
        check_session_name(name)
    assert str(caught.value) == (f"{name!r} cannot be an sso-session name. Use letters, "
                                 "digits, '-', '_' or '.', with no spaces, as in "
                                 "[sso-session my-company].")


@pytest.mark.parametrize(("url", "name"), [
    ("https://d-1234567890.awsapps.com/start", "d-1234567890"),
    ("https://sso.acme.example/start", "acme"),  # generic labels are skipped
    ("https://ssoins-7223.portal.eu-central-1.app.aws", "ssoins-7223"),
    ("https://login.portal.www.example", "example"),
    ("https://ACME.awsapps.com/start", "acme"),  # hosts are case-insensitive
    ("https://sso.start.login", "sso"),  # nothing but generic labels
    ("https://sso.xn--bcher-kva.example", "xn--bcher-kva"),
    ("https://ac~me.example", "ac-me"),  # a character a section name cannot take
    ("https://-acme-.example", "acme"),  # no leading or trailing dash
    ("https://sso.~.example", "example"),  # a label of nothing but such characters
])
def test_the_suggested_sso_session_name_is_the_organisations_part_of_the_host(url, name):
    assert session_name_for(url) == name


def test_an_aws_host_is_resolved_without_any_request():
    def head(url):
        raise AssertionError("no request for an AWS host")

    found = resolve("https://acme.us-east-2.portal.amazonaws.com/start", head=head)
    assert (found.start_url, found.resolved, found.region) == (
        "https://acme.us-east-2.portal.amazonaws.com/start",
        "https://acme.us-east-2.portal.amazonaws.com/start", "us-east-2")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_vanity_url_follows_every_kind_of_redirect_once(status):
    asked = []

    def head(url):
        asked.append(url)
        return status, "https://d-1234567890.awsapps.com/start"

    found = resolve(" https://sso.acme.example/start", head=head)
    assert asked == ["https://sso.acme.example/start"]
    assert found.start_url == "https://sso.acme.example/start"  # as given: what is written
    assert found.resolved == "https://d-1234567890.awsapps.com/start" and found.region is None


@pytest.mark.parametrize(("answer", "said"), [
    ((200, None), "answered 200"),
    ((302, None), "answered 302"),  # a redirect that says nowhere
    ((302, ""), "answered 302"),
    ((404, "https://d-1234567890.awsapps.com/start"), "answered 404"),
])
def test_a_vanity_url_that_does_not_redirect_is_one_line(answer, said):
    with pytest.raises(ConfigError) as caught:
        resolve("https://sso.acme.example/start", head=lambda url: answer)
    assert str(caught.value) == (
        f"The start URL https://sso.acme.example/start is not on an AWS host and does not "
        f"redirect to one (it {said}). Check the URL, or use the awsapps.com address your "
        "administrator gave you.")


def test_a_vanity_url_that_redirects_to_plain_http_is_refused():
    with pytest.raises(ConfigError, match="is not an https address"):
        resolve("https://sso.acme.example/start",
                head=lambda url: (302, "http://d-1234567890.awsapps.com/start"))


def test_a_vanity_url_that_redirects_off_aws_names_where_it_went():
    with pytest.raises(ConfigError) as caught:
        resolve("https://sso.acme.example/start",
                head=lambda url: (302, "https://Login.Evil.example/start"))
    assert str(caught.value) == ("The start URL https://sso.acme.example/start redirects to "
                                 "login.evil.example, which is not an AWS sign-in host. Ask "
                                 "your administrator for the start URL.")


def test_the_region_given_wins_over_the_one_in_the_url():
    assert region_for("https://ssoins-1.portal.eu-west-1.app.aws", "us-west-2") == "us-west-2"


def test_a_region_given_is_checked_and_the_fault_names_the_option():
    with pytest.raises(ConfigError) as caught:
        region_for("https://d-1234567890.awsapps.com/start", "mars-1")
    assert str(caught.value) == ("'mars-1' is not an AWS region. Give the region of your IAM "
                                 "Identity Center with --region, such as us-east-1 or "
                                 "eu-west-1.")


def test_without_a_region_given_the_urls_comes_before_the_known_one():
    assert region_for("https://ssoins-1.portal.eu-west-1.app.aws", known="us-east-1") == (
        "eu-west-1")
    assert region_for("https://d-1234567890.awsapps.com/start", known="ap-south-1") == (
        "ap-south-1")


def test_the_region_behind_a_vanity_url_is_found_after_its_redirect():
    assert region_for("https://sso.acme.example/start", head=lambda url: (
        302, "https://acme.ca-central-1.portal.amazonaws.com/start")) == "ca-central-1"


# ---- the request, through botocore's HTTP stack -------------------------------------------

class _Vanity(http.server.BaseHTTPRequestHandler):
    refuse_head: int | None = None
    stall = threading.Event()
    methods: list[str] = []

    def _answer(self) -> None:
        self.methods.append(self.command)
        if self.path == "/stall":
            self.stall.wait(10)
            return
        if self.command == "HEAD" and self.refuse_head:
            self.send_response(self.refuse_head)
        else:
            self.send_response(302)
            self.send_header("Location", "https://acme.eu-north-1.portal.amazonaws.com/start")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def vanity_host() -> Iterator[type[_Vanity]]:
    handler = type("Handler", (_Vanity,), {"methods": [], "refuse_head": None,
                                           "stall": threading.Event()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/start"  # type: ignore[attr-defined]
    yield handler
    handler.stall.set()
    server.shutdown()
    server.server_close()


def test_one_head_request_is_made_and_its_redirect_not_followed(vanity_host):
    assert http_head(vanity_host.url) == (  # type: ignore[attr-defined]
        302, "https://acme.eu-north-1.portal.amazonaws.com/start")
    assert vanity_host.methods == ["HEAD"]


@pytest.mark.parametrize("refusal", [405, 501])
def test_a_host_that_refuses_head_is_asked_with_get(vanity_host, refusal):
    vanity_host.refuse_head = refusal
    assert http_head(vanity_host.url)[0] == 302  # type: ignore[attr-defined]
    assert vanity_host.methods == ["HEAD", "GET"]


def test_a_host_that_fails_head_otherwise_is_not_asked_again(vanity_host):
    vanity_host.refuse_head = 502
    assert http_head(vanity_host.url) == (502, None)  # type: ignore[attr-defined]
    assert vanity_host.methods == ["HEAD"]


def test_a_host_that_never_answers_is_given_up_on_at_the_read_timeout(vanity_host,
                                                                     monkeypatch):
    from ssomagic.engine import timing

    monkeypatch.setattr(timing, "READ_TIMEOUT", 0.3)
    url = vanity_host.url.replace("/start", "/stall")  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"Could not reach 127.0.0.1 to find its region "
                                          r"\(ReadTimeoutError\)"):
        http_head(url)


def test_an_unreachable_vanity_host_is_one_line_naming_it():
    with socket_closed() as port, pytest.raises(ConfigError) as caught:
        http_head(f"http://127.0.0.1:{port}/start")
    assert str(caught.value) == ("Could not reach 127.0.0.1 to find its region "
                                 "(EndpointConnectionError). Check the network, or give the "
                                 "region with --region.")


class socket_closed:
    """A loopback port nothing listens on."""

    def __enter__(self) -> int:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        return int(self._socket.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self._socket.close()
