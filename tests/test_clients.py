"""The botocore clients ssomagic shares across threads: built as the CLI builds them, and
built again whenever a setting botocore reads at construction changes in the kernel."""

from __future__ import annotations

import contextlib
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from ssomagic.engine.aws import clients

CONFIG = Path("/nonexistent/config")  # no profile asked for: none is read


def test_a_proxy_set_in_the_kernel_after_a_first_call_carries_the_next(emulator, host_probe,
                                                                        monkeypatch):
    """botocore reads HTTP(S)_PROXY when a client is built: a notebook that sets it in
    os.environ after signing in must not keep a client that ignores it."""
    portal = clients.client("sso", "us-east-1", None, config_file=CONFIG)
    assert clients.client("sso", "us-east-1", None, config_file=CONFIG) is portal
    monkeypatch.setenv("HTTP_PROXY", host_probe.url)  # the emulator's endpoint is http://
    behind_proxy = clients.client("sso", "us-east-1", None, config_file=CONFIG)
    assert behind_proxy is not portal
    with contextlib.suppress(BotoCoreError, ClientError):  # the probe answers no request
        behind_proxy.list_accounts(accessToken="not-a-token")
    assert host_probe.hosts == ["127.0.0.1"]


def test_a_client_is_built_for_the_region_it_is_asked_for(host_probe, monkeypatch):
    hosts = host_probe.intercept(monkeypatch)
    for region in ("eu-west-2", "ap-southeast-2"):
        with contextlib.suppress(BotoCoreError, ClientError):  # the probe answers none
            clients.client("sso-oidc", region, None, config_file=CONFIG).create_token(
                clientId="c", clientSecret="s", grantType="refresh_token", refreshToken="r")
    assert hosts == ["oidc.eu-west-2.amazonaws.com", "oidc.ap-southeast-2.amazonaws.com"]


def test_a_profiles_client_settings_come_from_the_runtimes_config(tmp_path, host_probe,
                                                                  monkeypatch):
    """A runtime with a home of its own names its config file; the process's may not even
    hold the profile. The profile's `[services]` endpoint there is where its calls go."""
    theirs = tmp_path / "elsewhere" / "config"
    theirs.parent.mkdir()
    theirs.write_text(f"[profile theirs]\nservices = routed\n\n[services routed]\nsso =\n"
                      f"  endpoint_url = {host_probe.url}\n")
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSO", raising=False)
    with contextlib.suppress(BotoCoreError, ClientError):  # the probe answers none
        clients.client("sso", "us-east-1", "theirs", config_file=theirs).list_accounts(
            accessToken="not-a-token")
    assert host_probe.hosts == ["/assignment/accounts"]


def test_clients_of_two_config_files_are_two_clients(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for path in (one, two):
        path.write_text("[profile p]\nregion = eu-west-1\n")
    assert (clients.client("sso", "us-east-1", "p", config_file=one)
            is not clients.client("sso", "us-east-1", "p", config_file=two))


def test_every_request_names_ssomagic_in_its_user_agent(signed_in_elsewhere, emulator):
    """AWS's request logs (CloudTrail's userAgent) tell ssomagic's calls from the CLI's: the
    sign-in, the portal, STS for a role and for a chain each carry it after botocore's."""
    from ssomagic import api

    api.whoami("dev", runtime=signed_in_elsewhere)
    api.whoami("data", runtime=signed_in_elsewhere)
    api.logout("dev", runtime=signed_in_elsewhere)
    seen = {r["operation"] for r in emulator.state.requests()}
    assert {"RegisterClient", "CreateToken", "GetRoleCredentials", "ListAccounts",
            "GetCallerIdentity", "AssumeRole", "Logout"} <= seen
    for request in emulator.state.requests():
        assert request["agent"].startswith("Boto3/") or request["agent"].startswith(
            "Botocore/"), request
        assert "ssomagic" in request["agent"].split(), request
