"""~/.aws/sso/cache: the token file and the client-registration file, byte-for-byte as the AWS CLI
v2 and botocore write them, so that ssomagic, `aws`, boto3 and terraform take turns with the
same files.

A damaged file is reported once and read as "signed out"; it is never deleted silently: before
a new login replaces it, it is kept beside the cache as ``<name>.json.corrupt``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..config.read import SsoSession
from ..runtime import Runtime
from . import trust
from .atomic import atomic_write

log = logging.getLogger("ssomagic")

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """Parse what the CLI writes (``...Z``) and what older versions wrote (``...UTC``)."""
    from dateutil.parser import parse  # botocore's own dependency; loaded on first use

    moment = parse(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def dumps(document: dict[str, Any]) -> str:
    """One line of json.dumps with default separators, as botocore's JSONFileCache writes."""
    return json.dumps(document)


class CorruptCacheFile(ValueError):
    pass


class CachedToken:
    """A token file's document, kept in file order so a rewrite changes only what it must."""

    __slots__ = ("data", "expires_at", "path")

    def __init__(self, data: dict[str, Any], path: Path) -> None:
        if not isinstance(data.get("accessToken"), str) or not isinstance(
                data.get("expiresAt"), str):
            raise CorruptCacheFile("it has no accessToken or expiresAt")
        try:
            self.expires_at = parse_time(data["expiresAt"])
        except (ValueError, OverflowError):
            raise CorruptCacheFile("its expiresAt is not a time") from None
        self.data = data
        self.path = path

    @property
    def access_token(self) -> str:
        return str(self.data["accessToken"])

    @property
    def start_url(self) -> str | None:
        return self.data.get("startUrl")

    @property
    def refreshable(self) -> bool:
        return all(k in self.data for k in
                   ("refreshToken", "clientId", "clientSecret", "registrationExpiresAt"))

    def remaining(self, now: datetime) -> timedelta:
        return self.expires_at - now

    def __repr__(self) -> str:  # never the tokens or the client secret
        return (f"CachedToken(start_url={self.start_url!r}, "
                f"expires_at={format_time(self.expires_at)!r}, refreshable={self.refreshable})")


def token_document(*, start_url: str, region: str, access_token: str, expires_at: datetime,
                   client_id: str, client_secret: str, registration_expires_at: str,
                   refresh_token: str | None) -> dict[str, Any]:
    """The token file's keys in the CLI's order; refreshToken only when the server sent one."""
    document: dict[str, Any] = {
        "startUrl": start_url,
        "region": region,
        "accessToken": access_token,
        "expiresAt": format_time(expires_at),
        "clientId": client_id,
        "clientSecret": client_secret,
        "registrationExpiresAt": registration_expires_at,
    }
    if refresh_token is not None:
        document["refreshToken"] = refresh_token
    return document


@dataclass(frozen=True)
class Registration:
    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] | None = None
    # A PKCE registration (ours or the AWS CLI's) carries ["authorization_code", ...].
    grant_types: tuple[str, ...] | None = None

    def document(self) -> dict[str, Any]:
        """Keys as the CLI writes them: grantTypes (after scopes) only for its PKCE kind."""
        document: dict[str, Any] = {"clientId": self.client_id,
                                    "clientSecret": self.client_secret,
                                    "expiresAt": format_time(self.expires_at)}
        if self.scopes:
            document["scopes"] = list(self.scopes)
        if self.grant_types:
            document["grantTypes"] = list(self.grant_types)
        return document


def registration_key(session: SsoSession) -> str:
    """sha1 of the CLI's registration arguments (sort_keys, default separators)."""
    args = {"tool": "botocore", "startUrl": session.start_url, "region": session.region,
            "scopes": list(session.scopes) if session.scopes else None,
            "session_name": session.name}
    return hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _settled_text(path: Path) -> str:
    """The file's text, once whole. The AWS CLI rewrites its cache files in place (truncate,
    then write, no lock): a file just written that reads empty or not as JSON is read again
    until it is whole or stops changing (bounded by MID_WRITE), before anyone calls it
    corrupt, expired or signed out."""
    from ..config.read import changes_soon

    for _ in range(20):
        stamp = _stamp(path)
        text = trust.read_text(path)
        try:
            json.loads(text)
            return text
        except ValueError:
            pass
        if _stamp(path) != stamp:
            continue  # written while read
        if not changes_soon(path, stamp, _stamp):
            return text
    return text


_reported_lock = threading.Lock()
_reported: set[tuple[str, int, int]] = set()


class TokenCache:
    def __init__(self, runtime: Runtime | None = None) -> None:
        self.runtime = runtime or Runtime()
        self.directory = self.runtime.sso_cache_dir

    def token_path(self, session: SsoSession) -> Path:
        return self.directory / f"{session.cache_key}.json"

    def registration_path(self, session: SsoSession) -> Path:
        return self.directory / f"{registration_key(session)}.json"

    # ---- reading -------------------------------------------------------------------------

    def _read(self, path: Path) -> dict[str, Any] | None:
        trust.require(self.directory, self.runtime, "the SSO token cache")
        trust.not_a_link(path, "the token cache")
        try:
            text = _settled_text(path)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise CorruptCacheFile("it is a directory") from None
        except UnicodeDecodeError:
            raise CorruptCacheFile("it is not UTF-8 text") from None
        except OSError as exc:
            raise CorruptCacheFile(f"it cannot be read ({exc.strerror})") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise CorruptCacheFile("it is empty" if not text.strip()
                                   else "it is not valid JSON (perhaps half-written)") from None
        if not isinstance(data, dict):
            raise CorruptCacheFile("it does not hold a JSON object")
        return data

    def _report(self, path: Path, why: str, what: str) -> None:
        try:
            st = path.stat()
            stamp = (str(path), st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = (str(path), 0, 0)
        with _reported_lock:
            if stamp in _reported:
                return
            _reported.add(stamp)
        log.warning("The %s %s cannot be used: %s. ssomagic treats it as signed out; signing in "
                    "again replaces it and keeps the damaged file as %s.corrupt.",
                    what, path, why, path.name)

    def load_token(self, session: SsoSession) -> CachedToken | None:
        """The cached token, or None when there is none or it is damaged (reported once)."""
        path = self.token_path(session)
        try:
            data = self._read(path)
            return None if data is None else CachedToken(data, path)
        except CorruptCacheFile as exc:
            self._report(path, str(exc), "SSO token cache file")
            return None

    def token_problem(self, session: SsoSession) -> str | None:
        path = self.token_path(session)
        try:
            data = self._read(path)
            if data is not None:
                CachedToken(data, path)
        except CorruptCacheFile as exc:
            return f"{path} cannot be used: {exc}"
        return None

    def load_registration(self, session: SsoSession) -> Registration | None:
        path = self.registration_path(session)
        try:
            data = self._read(path)
            if data is None:
                return None
            scopes, grants = data.get("scopes"), data.get("grantTypes")
            return Registration(client_id=str(data["clientId"]),
                                client_secret=str(data["clientSecret"]),
                                expires_at=parse_time(str(data["expiresAt"])),
                                scopes=tuple(scopes) if scopes else None,
                                grant_types=tuple(grants) if grants else None)
        except (CorruptCacheFile, KeyError, ValueError, OverflowError, TypeError) as exc:
            why = str(exc) if isinstance(exc, CorruptCacheFile) else "a key is missing or wrong"
            self._report(path, why, "client registration file")
            return None

    # ---- writing -------------------------------------------------------------------------

    def _keep_if_corrupt(self, path: Path, *, is_token: bool = False) -> None:
        """A file that cannot be used is kept as ``*.json.corrupt`` before anything replaces
        it: unreadable, not JSON, or (a token) with wrong types or a bad expiresAt."""
        try:
            data = self._read(path)
            if is_token and data is not None:
                CachedToken(data, path)
        except CorruptCacheFile:
            kept = path.with_name(path.name + ".corrupt")
            if kept.is_dir() and not kept.is_symlink():
                shutil.rmtree(kept)
            os.replace(path, kept)
            log.warning("Kept the damaged cache file as %s.", kept)

    def save_token(self, session: SsoSession, document: dict[str, Any]) -> Path:
        path = self.token_path(session)
        trust.require(self.directory, self.runtime, "the SSO token cache")
        self._keep_if_corrupt(path, is_token=True)
        atomic_write(path, dumps(document))
        return path

    def save_registration(self, session: SsoSession, registration: Registration) -> Path:
        path = self.registration_path(session)
        trust.require(self.directory, self.runtime, "the SSO token cache")
        self._keep_if_corrupt(path)
        atomic_write(path, dumps(registration.document()))
        return path
