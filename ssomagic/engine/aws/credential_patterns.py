"""What AWS credentials look like in text: labelled values in JSON, repr, env-line and plain
forms, a secret key right after its access key id, and session tokens by their shape.

Used wherever ssomagic must make sure a secret goes nowhere: log records (log_redaction.py)
and saved notebooks (`ssomagic check`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

REDACTED = "[REDACTED]"  # no character a secret is made of: never found again
_VALUE = r"[A-Za-z0-9/+=._~-]{16,}"
# A label, then `=`, `:`, `=>` or (fish, PowerShell, prose) a space, then the value.
_LABELS = {
    "secret access key": r"(?:aws[_-]?)?secret[_-]?(?:access[_-]?)?key",
    "session token": r"(?:aws[_-]?)?session[_-]?token|(?:x-amz-)?security[_-]?token",
    "SSO access token": r"access[_-]?token|x-amz-sso[_-]bearer[_-]token",
    "SSO refresh token": r"refresh[_-]?token",
    "client secret": r"client[_-]?secret",
    "device code": r"device[_-]?code",
    # PKCE: the verifier, and the authorization code as a quoted key ('code': ...), which
    # botocore's DEBUG records of CreateToken carry.
    "PKCE code verifier": r"code[_-]?verifier",
    "authorization code": r"(?<=[\"'])code",
}
LABELLED = [(kind, re.compile(
    rf"(?i)(?<![A-Za-z0-9])(?:{label})[\"']?\s*(?:=>|[:=]|\s)\s*(?:b(?=[\"']))?[\"']?({_VALUE})"))
    for kind, label in _LABELS.items()]
# Unlabelled: a secret key right after its access key id (a tuple, a table, a log line), and
# session tokens by their shape (real STS tokens start so).
KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
SECRET_NEAR_KEY_ID = re.compile(r"(?<![A-Za-z0-9/+_-])([A-Za-z0-9/+_-]{40})(?![A-Za-z0-9/+_-])")
SHAPED = [("session token", re.compile(r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9/+=]{40,}")),
          # IAM Identity Center's own: access tokens start "aoa", refresh tokens "aor".
          ("SSO access token", re.compile(r"(?<![A-Za-z0-9])aoa[A-Za-z0-9+/=_-]{100,}")),
          ("SSO refresh token", re.compile(r"(?<![A-Za-z0-9])aor[A-Za-z0-9+/=_-]{100,}"))]
# By context: a long opaque value (mixed case and digits, so no hex digest) shortly after a
# word that says what it is, in whatever syntax: `bearer = '...'` in a Verbose traceback,
# "the token was ..." in prose (up to three short lower-case words between).
CONTEXT = re.compile(r"(?i)(?:token|bearer|credential)s?(?-i:(?:\W+[a-z]{1,10}){0,3}?)"
                     r"\W{1,40}?"
                     r"(?-i:((?=[A-Za-z0-9+/=_-]*[A-Z])(?=[A-Za-z0-9+/=_-]*[a-z])"
                     r"(?=[A-Za-z0-9+/=_-]*[0-9])[A-Za-z0-9+/=_-]{60,}))")
NEAR = 300  # characters after an access key id where its secret key may stand


def find_in_text(text: str) -> Iterator[tuple[str, str]]:
    """(kind, secret) for every credential in ``text``."""
    for kind, pattern in LABELLED:
        for match in pattern.finditer(text):
            yield kind, match.group(1)
    for match in KEY_ID.finditer(text):
        window = text[match.end():match.end() + NEAR]
        for secret in SECRET_NEAR_KEY_ID.finditer(window):
            if not KEY_ID.fullmatch(secret.group(1)):
                yield "secret access key (after its access key id)", secret.group(1)
    for kind, pattern in SHAPED:
        for match in pattern.finditer(text):
            yield kind, match.group(0)
    for match in CONTEXT.finditer(text):
        yield "token (by context)", match.group(1)


def redact(text: str) -> str:
    """``text`` with every credential found in it replaced by REDACTED."""
    for secret in sorted({s for _, s in find_in_text(text)}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
