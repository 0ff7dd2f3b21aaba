"""The botocore clients ssomagic shares across threads: built as the CLI builds them, and
built again whenever a setting botocore reads at construction changes in the kernel."""

from __future__ import annotations

import contextlib

from botocore.exceptions import BotoCoreError, ClientError

from ssomagic.engine.aws import clients


def test_a_proxy_set_in_the_kernel_after_a_first_call_carries_the_next(emulator, host_probe,
                                                                        monkeypatch):
    """botocore reads HTTP(S)_PROXY when a client is built: a notebook that sets it in
    os.environ after signing in must not keep a client that ignores it."""
    portal = clients.client("sso", "us-east-1")
    assert clients.client("sso", "us-east-1") is portal
    monkeypatch.setenv("HTTP_PROXY", host_probe.url)  # the emulator's endpoint is http://
    behind_proxy = clients.client("sso", "us-east-1")
    assert behind_proxy is not portal
    with contextlib.suppress(BotoCoreError, ClientError):  # the probe answers no request
        behind_proxy.list_accounts(accessToken="not-a-token")
    assert host_probe.hosts == ["127.0.0.1"]


def test_a_client_is_built_for_the_region_it_is_asked_for(host_probe, monkeypatch):
    hosts = host_probe.intercept(monkeypatch)
    for region in ("eu-west-2", "ap-southeast-2"):
        with contextlib.suppress(BotoCoreError, ClientError):  # the probe answers none
            clients.client("sso-oidc", region).create_token(
                clientId="c", clientSecret="s", grantType="refresh_token", refreshToken="r")
    assert hosts == ["oidc.eu-west-2.amazonaws.com", "oidc.ap-southeast-2.amazonaws.com"]
