"""Write a file the way botocore's JSONFileCache does: temp file in the same directory, fsync,
os.replace. A reader (the AWS CLI, boto3, terraform) sees the old file or the new one, never
half of one, and a crash mid-write leaves the old file whole.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import LocalStateError


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parent as 0700, whatever the umask, as the CLI's caches
    should be: they hold tokens. Directories that already exist keep their mode."""
    missing = []
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            if directory.is_dir():
                continue  # made by another process meanwhile
            raise _not_a_folder(directory) from None
        except NotADirectoryError:
            raise _not_a_folder(next(p for p in directory.parents if p.exists())) from None
        except PermissionError:
            raise LocalStateError(
                f"Cannot create the folder {directory}: permission denied.",
                f"Check the owner and mode of {directory.parent}.") from None
        os.chmod(directory, 0o700)
    if not path.is_dir():
        raise _not_a_folder(path)
    return path


def _not_a_folder(path: Path) -> LocalStateError:
    return LocalStateError(f"Cannot write in {path}: it is a file, where a folder should be.",
                           f"Move {path} away (it may be a stray copy), then try again.")


def atomic_write(path: Path, data: str | bytes, *, mode: int = 0o600,
                 unchanged: Callable[[], bool] | None = None) -> bool:
    """Write ``data`` (text as UTF-8; bytes as they are) to ``path`` atomically. With
    ``unchanged``, a compare-and-swap: it is asked last, with the new file written and synced,
    right before the replace, so another writer's change that lands meanwhile is seen; False
    from it writes nothing and returns False."""
    private_dir(path.parent)
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except PermissionError:
        raise LocalStateError(f"Cannot write in {path.parent}: permission denied.",
                              f"Check the owner and mode of {path.parent}.") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, mode)
        if unchanged is not None and not unchanged():
            os.unlink(temp)
            return False
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    remove_leftovers(path)
    return True


# A writer that was killed between mkstemp and os.replace leaves its temp file behind; one this
# old belongs to no write still in progress.
LEFTOVER_AGE = 60.0


def remove_leftovers(path: Path, *, older_than: float = LEFTOVER_AGE) -> int:
    """Delete temp files that killed writes of ``path`` left; they may hold secrets."""
    removed = 0
    now = time.time()
    for temp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - temp.stat().st_mtime >= older_than:
                temp.unlink()
                removed += 1
    return removed
