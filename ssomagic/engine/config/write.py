"""Editing ~/.aws/config without disturbing anything the edit is not about.

configupdater keeps every comment, blank line and untouched section byte-identical. A file that
does not parse is never rewritten; the new text replaces the old atomically, keeping the file's
mode (0600 for a new file, as `aws configure sso` creates it).

Every edit is a read-modify-write, so two ssomagic processes editing at once (a notebook's
production toggle and the console script, say) hold a lock across it; without it the second
os.replace would silently drop the first edit. Other writers (an editor, `aws configure`) take
no lock of ours, so the edit is also a compare-and-swap: just before the replace the file must
still be the one read, or the change is redone on what is there now. The lock lives in
ssomagic's own folder, keyed by the config file's path, so ~/.aws itself gains no file.
"""

from __future__ import annotations

import configparser
import difflib
import functools
import hashlib
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from configupdater import ConfigUpdater
from filelock import FileLock, Timeout

from .. import timing
from ..errors import ConfigBusyError
from ..files import trust
from ..files.atomic import atomic_write, private_dir
from ..runtime import Runtime
from .read import (
    changes_soon,
    not_utf_8,
    parse_error,
    read_config_text,
    section_name_for_profile,
)


def _edit_lock(runtime: Runtime) -> FileLock:
    path = runtime.config_file.resolve()
    key = hashlib.sha1(str(path).encode("utf-8")).hexdigest()
    trust.require(runtime.own_cache_dir, runtime, "config locks")
    private_dir(runtime.own_cache_dir)
    lock = runtime.own_cache_dir / f"config-{key}.lock"
    trust.not_a_link(lock, "locks")
    return FileLock(str(lock), mode=0o600)




def _target(path: Path) -> Path:
    """Where the edit lands: through a symlink (a dotfiles repository) to the file itself, so
    the link stays a link and the atomic replace happens beside the real file."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _fingerprint(path: Path) -> tuple[int, int, int, str] | None:
    """What says the file is still the one read: inode, size, mtime and the bytes' digest."""
    try:
        before = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError:
        return (-1, -1, -1, "")  # unreadable: read_config_text says so in one line
    return (before.st_ino, before.st_size, before.st_mtime_ns, digest)


@dataclass(frozen=True)
class Edit:
    """A config edit: the text before and after. Nothing else in the file differs."""

    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """The change as a unified diff, for --dry-run and for previews."""
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=str(self.path), tofile=str(self.path)))


def edit(runtime: Runtime, change: Callable[[ConfigUpdater], str | None], *,
         dry_run: bool = False) -> Edit:
    """Apply ``change`` in one locked, atomic read-modify-write; with ``dry_run``, write
    nothing and say what would change.

    ``change`` edits the updater, and may return text to append (new sections written out
    in configupdater's own layout, which configupdater itself can only add one linear search
    at a time). It may run more than once: the edit is a compare-and-swap, and when another
    writer changed the file meanwhile, it is read again and the change redone on what that
    writer left, so neither loses anything.
    """
    trust.require(_target(runtime.config_file).parent, runtime, "the AWS config file")
    if dry_run:  # a preview writes nothing, so it never waits for another writer's lock
        return _edit_locked(runtime, change, write=False)
    lock = _edit_lock(runtime)
    try:
        lock.acquire(timeout=timing.LOCK_WAIT)
    except Timeout:
        raise ConfigBusyError(
            f"Another ssomagic process has been editing {runtime.config_file} for "
            f"{timing.LOCK_WAIT:.0f} s; nothing was written.",
            "Try again when it is done.") from None
    try:
        return _edit_locked(runtime, change, write=True)
    finally:
        lock.release()


def _edit(runtime: Runtime, change: Callable[[ConfigUpdater], None]) -> None:
    edit(runtime, change)


def _still(path: Path, read: tuple[int, int, int, str] | None) -> bool:
    return _fingerprint(path) == read


def _joined(text: str, appended: str) -> str:
    if not appended:
        return text
    return text + ("\n" if text and not text.endswith("\n") else "") + appended


def _open_for_watch(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


def _written_into(fd: int | None, read: tuple[int, int, int, str] | None) -> bytes | None:
    """What the file just replaced holds, if someone wrote into it after it was read: an
    editor saving in place that opened it before the replace writes into the old file. That
    save is not lost: the edit is redone on it. A file that was being edited a moment ago is
    watched a little longer, since such a save may land just after the replace."""
    if fd is None or read is None:
        return None
    busy = time.time() - read[2] / 1e9 < timing.LINGER_IF_EDITED_WITHIN
    until = time.monotonic() + (timing.LINGER if busy else 0.0)
    while True:
        st = os.fstat(fd)
        if (st.st_size, st.st_mtime_ns) != (read[1], read[2]):
            break
        if time.monotonic() >= until:
            return None
        time.sleep(timing.SETTLE / 4)
    with open(fd, "rb", closefd=False) as old:  # from the start: opened for this, never read
        return old.read()


def _edit_locked(runtime: Runtime, change: Callable[[ConfigUpdater], str | None], *,
                 write: bool) -> Edit:
    path = runtime.config_file
    target = _target(path)
    rescued: str | None = None  # another writer's save that landed in the file we replaced
    for attempt in range(timing.EDIT_TRIES):
        before = _fingerprint(target)
        mode, text = 0o600, ""
        if before is not None:
            text = read_config_text(target)
            mode = stat.S_IMODE(target.stat().st_mode)
        if rescued is not None:
            text, rescued = rescued, None
        elif before is not None and hashlib.sha256(text.encode()).hexdigest() != before[3]:
            continue  # changed between the fingerprint and the read
        updater = ConfigUpdater()
        try:
            updater.read_string(text)  # parse_error names the file and the line
        except configparser.Error as exc:
            if changes_soon(target, before, _fingerprint):
                continue  # someone is writing it: wait for the whole file, never write over
            raise parse_error(exc, path, text) from None
        appended = change(updater) or ""
        result = Edit(path, text, _joined(str(updater), appended))
        if not write or not result.changed:
            return result
        watch = _open_for_watch(target)
        try:
            if atomic_write(target, result.after, mode=mode,
                            unchanged=functools.partial(_still, target, before)):
                saved = _written_into(watch, before)
                if saved is None:
                    return result
                try:
                    rescued = saved.decode("utf-8")
                except UnicodeDecodeError as exc:
                    # Their save stands as they saved it, byte for byte; ours is not made.
                    atomic_write(target, saved, mode=mode)
                    raise not_utf_8(path, exc) from None
                continue
        finally:
            if watch is not None:
                os.close(watch)
        # Another writer's edit landed meanwhile: redo ours on top of what it left.
        runtime.wait(timing.SETTLE * (attempt + 1))
    raise ConfigBusyError(
        f"{path} kept changing while ssomagic tried to edit it ({timing.EDIT_TRIES} tries); "
        "nothing was written.", "Try again when the program writing it (an editor?) has saved.")


def upsert(updater: ConfigUpdater, section: str, values: Mapping[str, str | None]) -> None:
    if not updater.has_section(section):
        if not any(v is not None for v in values.values()):
            return
        updater.add_section(section)
    block = updater[section]
    for key, value in values.items():
        if value is None:
            if key in block:
                del block[key]
        elif key in block:
            block[key].value = value
        else:
            block[key] = value


def set_profile(name: str, values: Mapping[str, str | None], runtime: Runtime | None = None
                ) -> None:
    """Add or update a profile's keys; a key given as None is removed."""
    _edit(runtime or Runtime(), lambda u: upsert(u, section_name_for_profile(name), values))


def set_sso_session(name: str, values: Mapping[str, str | None],
                    runtime: Runtime | None = None) -> None:
    """Add or update an [sso-session NAME] section (sso_start_url, sso_region, scopes...)."""
    _edit(runtime or Runtime(), lambda u: upsert(u, f"sso-session {name}", values))
