"""No secret in a log record, botocore's own DEBUG records included.

`logging.basicConfig(level=logging.DEBUG)` in a notebook makes botocore log every request and
response: bearer tokens, client secrets, role credentials. A filter on a logger sees only the
records logged to that very logger, not its children's, and botocore, urllib3 and s3transfer
make a logger per module (sixty and more, and a new release adds some), so a list of names is
always out of date. Instead the record factory is wrapped, once, the first time ssomagic
builds a client: every record of the AWS SDK's loggers (and ssomagic's) is made with its
secrets already replaced by [REDACTED], whichever module logged it and whatever handler,
filter or formatter then sees it. A record of any other logger is left as it was made.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .credential_patterns import redact

# The roots of the loggers whose records are rewritten: the AWS SDK's and ssomagic's.
SDK_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "ssomagic")

_lock = threading.Lock()
_installed = False


def is_sdk_logger(name: str) -> bool:
    return name.partition(".")[0] in SDK_LOGGERS


def redacted(record: logging.LogRecord) -> logging.LogRecord:
    """The record with any credential in its message replaced (message and arguments become
    the one redacted text); a record whose arguments do not format is left to logging."""
    try:
        text = record.getMessage()
    except Exception:
        return record
    clean = redact(text)
    if clean != text:
        record.msg, record.args = clean, None
    return record


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        make = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make(*args, **kwargs)
            return redacted(record) if is_sdk_logger(record.name) else record

        logging.setLogRecordFactory(factory)
        _installed = True
