"""The formats of `aws configure export-credentials`, as text: nothing here imports botocore,
so `credential_process = ssomagic export-credentials --profile P` answers from cached
credentials in the time a Python start takes."""

from __future__ import annotations

import json
from collections.abc import Callable

VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "AWS_CREDENTIAL_EXPIRATION")
LINE_FORMATS: dict[str, Callable[[str, str], str]] = {
    "env": lambda name, value: f"export {name}={value}",
    "env-no-export": lambda name, value: f"{name}={value}",
    "powershell": lambda name, value: f'$Env:{name}="{value}"',
    "windows-cmd": lambda name, value: f"set {name}={value}",
    "fish": lambda name, value: f'set -gx {name} "{value}"',
}
FORMATS = ("process", *LINE_FORMATS)


def formatted(fmt: str, key: str, secret: str, token: str | None, expiration: str | None
              ) -> str:
    """As the CLI prints them: keys that do not expire have no token or expiration line."""
    if fmt == "process":
        document: dict[str, object] = {"Version": 1, "AccessKeyId": key,
                                       "SecretAccessKey": secret}
        if token:
            document["SessionToken"] = token
        if expiration:
            document["Expiration"] = expiration
        return json.dumps(document, indent=2)
    line = LINE_FORMATS[fmt]
    values = (key, secret, token, expiration)
    return "\n".join(line(name, value) for name, value in zip(VARIABLES, values, strict=True)
                     if value)
