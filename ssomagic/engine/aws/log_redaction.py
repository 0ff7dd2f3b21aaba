"""No secret in a log record, botocore's own DEBUG records included.

`logging.basicConfig(level=logging.DEBUG)` in a notebook makes botocore log every request and
response: bearer tokens, client secrets, role credentials. ssomagic installs a filter on the
loggers of botocore and urllib3 (a filter on a parent logger does not see its children's
records, so each named logger gets one) that rewrites any record carrying a credential,
replacing the secret with [REDACTED]. Installed once, the first time ssomagic builds a client.
"""

from __future__ import annotations

import logging
import threading

from .credential_patterns import redact

LOGGERS = ("botocore", "botocore.endpoint", "botocore.parsers", "botocore.auth",
           "botocore.httpsession", "botocore.hooks", "botocore.retryhandler",
           "botocore.credentials", "botocore.tokens", "botocore.utils", "botocore.client",
           "botocore.awsrequest", "botocore.regions", "botocore.loaders",
           "botocore.configprovider", "botocore.handlers", "boto3", "boto3.resources",
           "urllib3", "urllib3.connectionpool", "ssomagic")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a record whose arguments do not format: leave it to logging
            return True
        redacted = redact(text)
        if redacted != text:
            record.msg, record.args = redacted, None
        return True


_installed = threading.Event()
_filter = RedactSecrets()


def install() -> None:
    if _installed.is_set():
        return
    for name in LOGGERS:
        logging.getLogger(name).addFilter(_filter)
    _installed.set()
