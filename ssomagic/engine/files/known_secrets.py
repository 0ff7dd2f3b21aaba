"""The secrets this machine's caches hold right now: SSO tokens, client secrets, role keys.

A traceback can carry them in ways no pattern recognises: IPython's Verbose mode prints the
local variables of every frame, botocore's among them, and a bearer token there has no label.
So what is shown is checked against the values themselves, read from the caches of the AWS
CLI and botocore at the moment it is shown (symbolic links are not followed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..runtime import Runtime
from . import trust

TOKEN_KEYS = ("accessToken", "refreshToken", "clientSecret")
CREDENTIAL_KEYS = ("SecretAccessKey", "SessionToken")
SHORTEST = 16  # a value shorter than this is no secret worth the name (and too common to hide)


def _documents(directory: Path) -> Iterator[dict[str, Any]]:
    if not directory.is_dir():
        return
    for path in directory.glob("*.json"):
        try:
            if path.is_symlink():
                continue
            document = json.loads(trust.read_text(path))
        except (OSError, ValueError):
            continue
        if isinstance(document, dict):
            yield document


def known_secrets(runtime: Runtime) -> set[str]:
    found: set[str] = set()
    for document in _documents(runtime.sso_cache_dir):
        found.update(str(document[k]) for k in TOKEN_KEYS if k in document)
    for document in _documents(runtime.cli_cache_dir):
        credentials = document.get("Credentials")
        if isinstance(credentials, dict):
            found.update(str(credentials[k]) for k in CREDENTIAL_KEYS if k in credentials)
    return {s for s in found if len(s) >= SHORTEST}


def scrub(text: str, secrets: set[str]) -> str:
    """``text`` without any of ``secrets``, nor anything that looks like a credential."""
    from ..aws.credential_patterns import REDACTED, redact

    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return redact(text)
