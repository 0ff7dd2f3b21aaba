"""The AWS SDK's log records never carry a secret (engine/aws/log_redaction.py), whichever of
its loggers wrote them: botocore, urllib3 and s3transfer log from a logger per module, and a
new release adds more."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator

import boto3
import pytest

from ssomagic.engine.aws import log_redaction
from ssomagic.engine.aws.clients import botocore_session

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def factory_put_back() -> Iterator[None]:
    """Each test may install a record factory of its own: the one before is put back."""
    before = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(before)


def logged(name: str, message: str, *args: object) -> list[str]:
    logger = logging.getLogger(name)
    captured, level = Captured(), logger.level
    logger.addHandler(captured)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug(message, *args)
    finally:
        logger.removeHandler(captured)
        logger.setLevel(level)
    return captured.messages


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Installed afresh over logging's own record factory (put back afterwards)."""
    monkeypatch.setattr(log_redaction, "_installed", False)
    logging.setLogRecordFactory(logging.LogRecord)
    log_redaction.install()
    yield


def sdk_loggers() -> list[str]:
    """Every logger the AWS SDK has made once boto3 has built clients."""
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="AKIAEXAMPLE",
                            aws_secret_access_key="x")
    for service in ("sts", "sso", "sso-oidc", "s3"):
        session.client(service)
    importlib.import_module("boto3.s3.transfer")  # and s3transfer's loggers

    return sorted(n for n in logging.root.manager.loggerDict
                  if n.split(".")[0] in ("botocore", "boto3", "s3transfer", "urllib3"))


def test_every_logger_of_the_sdk_writes_a_secret_as_redacted(installed):
    names = sdk_loggers()
    assert {"botocore.endpoint", "botocore.retries.standard", "urllib3.connection",
            "s3transfer.manager"} <= set(names)
    leaked = {n for n in names if logged(n, "aws_secret_access_key = %s", SECRET)
              != ["aws_secret_access_key = [REDACTED]"]}
    assert leaked == set()


def test_a_logger_the_sdk_makes_after_installing_is_redacted_too(installed):
    assert logged("botocore.a.module.of.a.later.release", "secret_key=%s", SECRET) == [
        "secret_key=[REDACTED]"]


def test_ssomagics_own_records_are_redacted(installed):
    assert logged("ssomagic", "secret_key=%s", SECRET) == ["secret_key=[REDACTED]"]


def test_a_record_of_another_library_is_left_as_it_was_logged(installed):
    assert logged("myteam.pipeline", "secret_key=%s", SECRET) == [f"secret_key={SECRET}"]


def test_a_record_without_a_secret_keeps_its_message_and_arguments(installed):
    record = logging.getLogger("botocore.endpoint").makeRecord(
        "botocore.endpoint", logging.DEBUG, __file__, 1, "Sending %s to %s",
        ("GetRoleCredentials", "sso"), None)
    assert (record.msg, record.args) == ("Sending %s to %s", ("GetRoleCredentials", "sso"))


def test_a_record_whose_arguments_do_not_format_reaches_logging_untouched(installed):
    record = logging.getLogger("botocore").makeRecord(
        "botocore", logging.DEBUG, __file__, 1, "%d requests", ("many",), None)
    assert (record.msg, record.args) == ("%d requests", ("many",))


def test_the_first_session_ssomagic_builds_installs_the_redaction(monkeypatch):
    monkeypatch.setattr(log_redaction, "_installed", False)
    logging.setLogRecordFactory(logging.LogRecord)
    assert logged("botocore.endpoint", "secret_key=%s", SECRET) == [f"secret_key={SECRET}"]
    botocore_session()
    assert logged("botocore.endpoint", "secret_key=%s", SECRET) == ["secret_key=[REDACTED]"]


def test_every_later_session_leaves_the_factory_as_it_is(installed):
    """One wrapper, however many clients a kernel builds: not a chain that grows with each."""
    factory = logging.getLogRecordFactory()
    botocore_session()
    log_redaction.install()
    assert logging.getLogRecordFactory() is factory


def test_a_factory_installed_before_ssomagic_still_makes_the_records(monkeypatch):
    made: list[str] = []

    def theirs(*args, **kwargs):
        made.append(args[0])
        return logging.LogRecord(*args, **kwargs)

    monkeypatch.setattr(log_redaction, "_installed", False)
    logging.setLogRecordFactory(theirs)
    log_redaction.install()
    assert logged("botocore.endpoint", "secret_key=%s", SECRET) == ["secret_key=[REDACTED]"]
    assert made == ["botocore.endpoint"]


def test_loading_the_extension_redacts_a_users_own_boto3_records(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    import ssomagic

    monkeypatch.setattr(log_redaction, "_installed", False)
    logging.setLogRecordFactory(logging.LogRecord)
    ip = InteractiveShell.instance()
    ssomagic.load_ipython_extension(ip)
    try:
        assert logged("botocore.endpoint", "secret_key=%s", SECRET) == [
            "secret_key=[REDACTED]"]
    finally:
        ssomagic.unload_ipython_extension(ip)
