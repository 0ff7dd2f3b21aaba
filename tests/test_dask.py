"""The sign-in on a Dask cluster: a real distributed.LocalCluster with worker processes, each
calling STS against the emulator with the credentials share() gave it, across a roll."""

from __future__ import annotations

import time

import pytest
from helpers import Approver, live_runtime

from ssomagic import api


def whoami_on_worker() -> tuple[str, str]:
    import os

    import boto3

    sts = boto3.client("sts", region_name="us-east-1")
    return sts.get_caller_identity()["Account"], os.environ["AWS_ACCESS_KEY_ID"]


@pytest.fixture
def cluster(config_file, home, live_emulator):
    from distributed import Client, LocalCluster

    runtime = live_runtime(home)
    with Approver(live_emulator):
        api.login("dev", runtime=runtime, listener=lambda e: None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local, Client(local) as client:
        yield client, runtime


def test_every_worker_gets_the_profiles_credentials_and_loses_them_on_unshare(cluster):
    import ssomagic.dask

    client, runtime = cluster
    ssomagic.dask.share(client, "dev", runtime=runtime)
    answers = client.run(whoami_on_worker)
    assert len(answers) == 2 and {a for a, _ in answers.values()} == {"111122223333"}
    ssomagic.dask.unshare(client)
    assert set(client.run(lambda: __import__("os").environ.get("AWS_SESSION_TOKEN")).values()
               ) == {None}


def test_credentials_are_renewed_on_the_workers_before_they_expire(cluster, live_emulator):
    import ssomagic.dask

    client, runtime = cluster
    live_emulator.state.update_settings(role_credentials_lifetime=15 * 60 + 3)
    sharing = ssomagic.dask.share(client, "dev", runtime=runtime)
    try:
        before = {key for _, key in client.run(whoami_on_worker).values()}
        deadline = time.monotonic() + 30
        while sharing.renewals == 0:
            assert time.monotonic() < deadline, "no renewal"
            time.sleep(0.2)
        after = client.run(whoami_on_worker)
        assert {a for a, _ in after.values()} == {"111122223333"}
        assert {key for _, key in after.values()}.isdisjoint(before)  # new keys, same workers
    finally:
        ssomagic.dask.unshare(client)


def test_the_plugin_shows_no_credential():
    from ssomagic.dask import SsoCredentials

    plugin = SsoCredentials({"AWS_SECRET_ACCESS_KEY": "s3cr3t-value-never-shown",
                             "AWS_CREDENTIAL_EXPIRATION": "2026-12-02T10:00:00Z"})
    assert "s3cr3t" not in repr(plugin)
