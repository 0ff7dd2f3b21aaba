"""Only folders that are yours, as ssh trusts only a ~/.ssh that is: the caches hold tokens that
are sent to AWS as you, so a cache another user can write (or owns) could hand ssomagic their
token, or read yours.

A folder is trusted when it, and every folder above it up to HOME, belongs to you (or root)
and is not writable by others. A token, a cached credential or a lock that is a symbolic link
is never followed: a link can point a reader at any file, and a lock's O_CREAT at any path.
Each refusal is one line that names the path and the fix; nothing is read or sent from there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import LocalStateError
from ..runtime import Runtime


def _ours(uid: int) -> bool:
    return uid in (os.geteuid(), 0) if hasattr(os, "geteuid") else True


def problem(directory: Path, runtime: Runtime) -> tuple[Path, str, str] | None:
    """(the folder, what is wrong, the fix) for the first untrusted folder from HOME down to
    ``directory``; None when all are yours. Folders not made yet are fine: we make them 0700."""
    home = runtime.home
    chain = [directory, *directory.parents]
    chain = chain[:chain.index(home) + 1] if home in chain else [directory]
    for folder in reversed(chain):
        try:
            st = folder.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return folder, f"cannot be examined ({exc.strerror})", f"check {folder.parent}"
        if not stat.S_ISDIR(st.st_mode):
            return folder, "is a file, not a folder", f"move {folder} away"
        if not _ours(st.st_uid):
            return (folder, f"belongs to another user (uid {st.st_uid})",
                    f"move {folder} away and sign in again, so that a folder of your own "
                    "replaces it")
        if st.st_mode & stat.S_IWOTH and not st.st_mode & stat.S_ISVTX:
            return (folder, f"is writable by every user (mode {stat.S_IMODE(st.st_mode):04o})",
                    f"run `chmod o-w {folder}` (or `chmod 700 {folder}`)")
    return None


def require(directory: Path, runtime: Runtime, what: str) -> None:
    """Refuse to read or write ``what`` in a folder that is not yours (LocalStateError)."""
    found = problem(directory, runtime)
    if found is not None:
        folder, wrong, fix = found
        if not folder.is_dir() and folder.exists():
            raise LocalStateError(
                f"{folder} is a file, where ssomagic and the AWS CLI keep a folder.",
                f"Move {folder} away (it may be a stray copy), then try again.")
        raise LocalStateError(
            f"ssomagic will not use {what} in {directory}: {folder} {wrong}, so another user "
            "could plant a token there or read yours.", f"To fix it, {fix}.")


def not_a_link(path: Path, what: str) -> None:
    if path.is_symlink():
        raise LocalStateError(
            f"{path} is a symbolic link; ssomagic does not follow links for {what}, since one "
            "can point at any file.", f"Remove the link ({path}) and try again.")


def read_text(path: Path) -> str:
    """A file's text without following a symbolic link (ELOOP: the caller's refusal)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, encoding="utf-8") as f:
        return f.read()
