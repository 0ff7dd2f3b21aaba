"""`ssomagic check`: AWS credentials in saved notebooks, found before they reach a repository.

A notebook saves what its cells printed and what its widgets held: a cell that prints
`os.environ` after `%sso env`, a boto3 repr, a token file read by hand. This scans outputs,
saved widget state, cell and notebook metadata, attachments and sources for secret access
keys (with or without their access key id), session tokens, SSO access and refresh tokens and
client secrets, in JSON, repr, env-line and plain-text forms. It names the file, the cell and
the kind, never the secret. `--fix` redacts in place: only the secrets' characters change,
the file stays valid, and it is replaced atomically.

Also a Jupyter `pre_save_hook`, so a notebook is cleaned before it reaches the disk.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine.aws.credential_patterns import REDACTED, find_in_text


@dataclass(frozen=True)
class Finding:
    file: str
    where: str  # "cell 3 outputs", "notebook metadata"...
    kind: str
    secret: str  # kept for --fix; never printed

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.kind}"

    def __repr__(self) -> str:
        return f"Finding({self.file!r}, {self.where!r}, {self.kind!r})"


class NotANotebook(ValueError):
    pass


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)


def _decoded(data: Any) -> str | None:
    """An attachment's text, when it is base64 of UTF-8 (nbformat may store it as lines)."""
    joined = "".join(data) if isinstance(data, list) else data
    if not isinstance(joined, str):
        return None
    try:
        return base64.b64decode(joined, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _attachment_texts(attachments: Any) -> Iterator[str]:
    for bundle in (attachments or {}).values():
        for data in (bundle or {}).values():
            yield from _strings(data)
            decoded = _decoded(data)
            if decoded is not None:
                yield decoded


def _texts(value: Any) -> Iterator[str]:
    """A structure as JSON (a key beside its value: `"accessToken": "..."`), then each string
    in it (text inside a string: HTML, a repr, an env line)."""
    yield json.dumps(value)
    yield from _strings(value)


def places(notebook: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, text) for every string a saved notebook holds that may carry a credential.
    A stream's lines are joined, so a value split across them is still seen."""
    for index, cell in enumerate(notebook.get("cells", []), 1):
        name = f"cell {index}"
        yield f"{name} source", "".join(_strings(cell.get("source", "")))
        for output in cell.get("outputs", []) or []:
            if isinstance(output, dict) and isinstance(output.get("text"), list):
                yield f"{name} outputs", "".join(_strings(output["text"]))
            for text in _texts(output):
                yield f"{name} outputs", text
        for text in _texts(cell.get("metadata", {})):
            yield f"{name} metadata", text
        for text in _attachment_texts(cell.get("attachments")):
            yield f"{name} attachments", text
    metadata = notebook.get("metadata", {})
    for text in _texts({k: v for k, v in metadata.items() if k != "widgets"}):
        yield "notebook metadata", text
    if "widgets" in metadata:
        for text in _texts(metadata["widgets"]):
            yield "saved widget state", text


def scan(notebook: dict[str, Any], file: str = "", known: Collection[str] = ()
         ) -> list[Finding]:
    """Credentials by label, shape and context; and ``known`` secrets (what this machine's
    caches hold now) wherever they stand, whatever surrounds them."""
    found: dict[tuple[str, str], Finding] = {}
    for where, text in places(notebook):
        for kind, secret in find_in_text(text):
            found.setdefault((where, secret), Finding(file, where, kind, secret))
        for secret in known:
            if secret in text:
                found.setdefault((where, secret), Finding(
                    file, where, "a secret this machine's AWS caches hold", secret))
    return list(found.values())


def _known() -> set[str]:
    from .engine.files.known_secrets import known_secrets
    from .engine.runtime import Runtime

    try:
        return known_secrets(Runtime())
    except Exception:  # an unreadable cache must not stop the check of a notebook
        return set()


def load(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        notebook = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NotANotebook(f"{path}: not a notebook ({type(exc).__name__})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotANotebook(f"{path}: not a notebook (no cells)")
    return text, notebook


def redact_text(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def fix(path: Path, findings: list[Finding]) -> None:
    """Redact in place: every occurrence of each secret, nothing else; atomically, and only
    if the result is still a valid notebook."""
    import nbformat

    from .engine.files.atomic import atomic_write

    text, _ = load(path)
    fixed = redact_text(text, {f.secret for f in findings})
    for finding in findings:  # a secret found only inside a base64 attachment
        if finding.secret in fixed or finding.where.endswith("attachments"):
            fixed = _redact_attachments(fixed, finding.secret)
    nbformat.validate(nbformat.reads(fixed, as_version=nbformat.NO_CONVERT))
    atomic_write(path, fixed, mode=path.stat().st_mode & 0o777)


def _redact_attachments(text: str, secret: str) -> str:
    notebook = json.loads(text)
    changed = False
    for cell in notebook.get("cells", []):
        for bundle in (cell.get("attachments") or {}).values():
            for mime, data in list(bundle.items()):
                decoded = _decoded(data)
                if decoded is not None and secret in decoded:
                    bundle[mime] = base64.b64encode(
                        decoded.replace(secret, REDACTED).encode()).decode()
                    changed = True
    if not changed:
        return text
    import nbformat

    return nbformat.writes(nbformat.from_dict(notebook)) + "\n"


def pre_save_hook(model: dict[str, Any], **_: Any) -> None:
    """Jupyter server's FileContentsManager.pre_save_hook: credentials are redacted before the
    notebook is written. In jupyter_server_config.py:
    ``c.FileContentsManager.pre_save_hook = "ssomagic.secret_check.pre_save_hook"``."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    findings = scan(model["content"], known=_known())
    if findings:
        secrets = {f.secret for f in findings}
        model["content"] = json.loads(redact_text(json.dumps(model["content"]), secrets))


def main(paths: list[str], *, fix_them: bool = False, out: Any = None) -> int:
    """0 clean, 1 credentials found (and, with fix, redacted), 2 a file that is no notebook."""
    import sys

    out = out or sys.stdout
    status = 0
    known = _known()
    for name in paths:
        path = Path(name)
        try:
            _, notebook = load(path)
        except NotANotebook as exc:
            print(f"ssomagic check: {exc}", file=sys.stderr)
            status = 2
            continue
        findings = scan(notebook, name, known)
        for finding in findings:
            print(finding, file=out)
        if findings:
            status = max(status, 1)
            if fix_them:
                fix(path, findings)
                print(f"{name}: redacted {len({f.secret for f in findings})} secret(s)",
                      file=out)
        else:  # silence would not tell a clean notebook from one that was not looked at
            print(f"{name}: no credentials found", file=out)
    return status
