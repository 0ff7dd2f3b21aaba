"""A network that inspects TLS (a company proxy re-signing every certificate) or a private CA:
every call ssomagic makes, the federation request included, trusts the CA bundle botocore
would (AWS_CA_BUNDLE, or the profile's ca_bundle), and a certificate nothing here trusts is one
line naming that setting, at once: a certificate does not become trusted by asking again.

The emulator serves HTTPS with a certificate of a CA made for the test (trustme)."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from helpers import approve_when_asked

from ssomagic import api
from ssomagic.emulator import Emulator
from ssomagic.engine.errors import ServiceError

UNTRUSTED = ("this machine does not trust the certificate of {service} in {region} "
             "(unable to get local issuer certificate). A network that inspects TLS (a company "
             "proxy) needs its CA certificate: set AWS_CA_BUNDLE, or ca_bundle in your config, "
             "to that file. Trying again as it is will not help.")


def quiet(event):
    pass


@pytest.fixture
def company_ca() -> trustme.CA:
    return trustme.CA(organization_name="Example Corp TLS inspection")


@pytest.fixture
def ca_file(company_ca, tmp_path) -> Path:
    path = tmp_path / "company-ca.pem"
    company_ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def tls_emulator(company_ca, clock) -> Iterator[Emulator]:
    """An emulator behind the company's certificate (its endpoint variables left unset)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    company_ca.issue_cert("127.0.0.1").configure_cert(context)
    with Emulator(clock=clock.time, seed=7, tls=context) as emulator:
        yield emulator


def point_at(emulator: Emulator, monkeypatch, *services: str) -> None:
    for name, value in emulator.endpoint_env().items():
        if not services or name.removeprefix("AWS_ENDPOINT_URL_") in services:
            monkeypatch.setenv(name, value)


def sign_in(runtime, emulator, clock) -> None:
    clock.on_sleep.append(approve_when_asked(emulator))
    api.login("dev", runtime=runtime, listener=quiet)


def test_every_call_trusts_the_ca_bundle_the_environment_names(
        config_file, tls_emulator, ca_file, runtime, clock, monkeypatch):
    point_at(tls_emulator, monkeypatch)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca_file))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", tls_emulator.url)
    sign_in(runtime, tls_emulator, clock)
    assert api.whoami("dev", runtime=runtime).account_id == "111122223333"
    link = api.console_link("dev", federated=True, runtime=runtime)
    assert link.startswith(f"{tls_emulator.url}/federation?Action=login")


def test_the_profiles_ca_bundle_serves_as_the_environments_does(
        config_file, tls_emulator, ca_file, runtime, clock, monkeypatch):
    text = config_file.read_text().replace(
        "[profile dev]\n", f"[profile dev]\nca_bundle = {ca_file}\n", 1)
    assert text != config_file.read_text()
    config_file.write_text(text)
    point_at(tls_emulator, monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", tls_emulator.url)
    sign_in(runtime, tls_emulator, clock)
    assert api.whoami("dev", runtime=runtime).account_id == "111122223333"
    assert api.console_link("dev", federated=True, runtime=runtime).startswith(
        f"{tls_emulator.url}/federation?Action=login")


def test_an_untrusted_certificate_is_one_line_naming_the_ca_bundle_and_not_retried(
        config_file, tls_emulator, runtime, clock, monkeypatch):
    point_at(tls_emulator, monkeypatch)
    started = clock.time()
    with pytest.raises(ServiceError) as caught:
        api.login("dev", runtime=runtime, listener=quiet)
    assert str(caught.value) == "Could not start the sign-in: " + UNTRUSTED.format(
        service="IAM Identity Center", region="us-east-1")
    assert (caught.value.fault, caught.value.code, caught.value.retry_helps) == (
        "certificate", "SSLError", False)
    assert clock.time() == started  # no back-off: the first refusal was the answer
    assert not tls_emulator.state.arrivals  # and nothing was sent


def test_a_federation_endpoint_with_an_untrusted_certificate_is_that_line_too(
        config_file, emulator, tls_emulator, runtime, clock, monkeypatch):
    sign_in(runtime, emulator, clock)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", tls_emulator.url)
    with pytest.raises(ServiceError) as caught:
        api.console_link("dev", federated=True, runtime=runtime)
    assert str(caught.value) == "Could not give a console sign-in token: " + UNTRUSTED.format(
        service="the AWS sign-in federation endpoint", region="eu-west-1")


def test_the_credentials_endpoint_answers_an_untrusted_portal_502_untrusted_certificate(
        signed_in_dev, tls_emulator, monkeypatch):
    served = api.serve("dev", runtime=signed_in_dev)
    try:
        point_at(tls_emulator, monkeypatch, "SSO")
        request = urllib.request.Request(served.url, headers={
            "Authorization": served.environment()["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=30)
        assert caught.value.code == 502
        body = json.loads(caught.value.read())
        assert body["Code"] == "UntrustedCertificate"
        assert body["Message"].startswith("Could not give credentials for DataScientist in "
                                          "account 111122223333: this machine does not trust")
    finally:
        served.stop()
