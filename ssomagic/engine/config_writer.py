"""Editing ~/.aws/config without disturbing anything the edit is not about.

configupdater keeps every comment, blank line and untouched section byte-identical. A file that
does not parse is never rewritten; the new text replaces the old atomically, keeping the file's
mode (0600 for a new file, as `aws configure sso` creates it).

Every edit is a read-modify-write, so two ssomagic processes editing at once (a notebook's
production toggle and the console script, say) hold a lock across it; without it the second
os.replace would silently drop the first edit. The lock lives beside ssomagic's session locks
in the SSO cache directory, keyed by the config file's path, so ~/.aws itself gains no file.
"""

from __future__ import annotations

import configparser
import difflib
import hashlib
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from configupdater import ConfigUpdater
from filelock import FileLock

from .atomic import atomic_write, private_dir
from .config import parse_error, read_config_text, section_name_for_profile
from .runtime import Runtime


def _edit_lock(runtime: Runtime) -> FileLock:
    path = runtime.config_file.resolve()
    key = hashlib.sha1(str(path).encode("utf-8")).hexdigest()
    private_dir(runtime.sso_cache_dir)
    return FileLock(str(runtime.sso_cache_dir / f"ssomagic-config-{key}.lock"), mode=0o600)


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


def edit(runtime: Runtime, change: Callable[[ConfigUpdater], None], *,
         dry_run: bool = False) -> Edit:
    """Apply ``change`` in one locked, atomic read-modify-write; with ``dry_run``, write
    nothing and say what would change."""
    with _edit_lock(runtime):
        return _edit_locked(runtime, change, write=not dry_run)


def _edit(runtime: Runtime, change: Callable[[ConfigUpdater], None]) -> None:
    edit(runtime, change)


def _edit_locked(runtime: Runtime, change: Callable[[ConfigUpdater], None], *,
                 write: bool = True) -> Edit:
    path = runtime.config_file
    updater = ConfigUpdater()
    mode, text = 0o600, ""
    if path.exists():
        text = read_config_text(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        try:
            updater.read_string(text, source=str(path))
        except configparser.Error as exc:
            raise parse_error(exc, path, text) from None
    change(updater)
    result = Edit(path, text, str(updater))
    if write and result.changed:
        atomic_write(path, result.after, mode=mode)
    return result


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


def remove_profile(name: str, runtime: Runtime | None = None) -> bool:
    return _remove(section_name_for_profile(name), runtime or Runtime())


def remove_sso_session(name: str, runtime: Runtime | None = None) -> bool:
    return _remove(f"sso-session {name}", runtime or Runtime())


def _remove(section: str, runtime: Runtime) -> bool:
    removed = False

    def change(updater: ConfigUpdater) -> None:
        nonlocal removed
        removed = updater.remove_section(section)

    if runtime.config_file.exists():
        _edit(runtime, change)
    return removed
