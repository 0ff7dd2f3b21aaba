"""Reading ~/.aws/config: profiles and sso-sessions, resolved and validated as botocore does.

The file is parsed with configparser, the parser botocore itself uses, so ssomagic sees exactly
what boto3 and the AWS CLI see. Errors reuse botocore's wording for the same faults, then say
what to do.
"""

from __future__ import annotations

import configparser
import gc
import hashlib
import shlex
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import timing
from ..advice import command
from ..errors import ConfigError, ConfigParseError, NotAnSsoProfileError, ProfileNotFoundError
from ..runtime import Runtime

_ROLE_KEYS = ("sso_role_name", "sso_account_id")
_SSO_KEYS = ("sso_start_url", "sso_region")
PRODUCTION_KEY = "ssomagic_production"


@dataclass(frozen=True)
class SsoSession:
    """What a sign-in is for. ``name`` is None for a legacy profile with its own sso_start_url."""

    name: str | None
    start_url: str
    region: str
    scopes: tuple[str, ...] | None = None

    @property
    def cache_key(self) -> str:
        """sha1 of the session name, or of the start URL exactly as configured (legacy)."""
        return hashlib.sha1((self.name or self.start_url).encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return self.name or self.start_url

    def section(self) -> dict[str, str]:
        """Its [sso-session NAME] keys as `aws configure sso` writes them: the one place that
        says which keys a session's section holds."""
        return {"sso_start_url": self.start_url, "sso_region": self.region,
                "sso_registration_scopes": ",".join(self.scopes or ())}


def split_scopes(text: str | None) -> tuple[str, ...] | None:
    """sso_registration_scopes as botocore reads it: comma separated, blanks ignored."""
    if not text:
        return None
    return tuple(s.strip() for s in text.split(",") if s.strip()) or None


@dataclass(frozen=True)
class Profile:
    name: str
    sso: SsoSession  # every profile ssomagic resolves signs in somewhere (a chain: its root's)
    account_id: str | None = None
    role_name: str | None = None
    region: str | None = None
    values: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Role chaining (`role_arn` over `source_profile`): the role assumed with the source's
    # credentials; account_id and role_name are then the assumed role's.
    role_arn: str | None = None
    source: Profile | None = None

    @property
    def root(self) -> Profile:
        """The SSO profile at the bottom of a chain (the profile itself when not chained):
        the one whose role the sign-in grants."""
        return self.source.root if self.source is not None else self

    @property
    def chain(self) -> tuple[str, ...]:
        """Profile names from this one down to the root."""
        return (self.name, *(self.source.chain if self.source is not None else ()))

    def require_role(self, lacking: str) -> tuple[str, str]:
        """The profile's account and role; else the one error every command gives for a
        sign-in-only profile. ``lacking`` ends "so it has no ...": "credentials to export",
        "identity of its own"."""
        grant = self.grant
        if grant is None:
            raise NotAnSsoProfileError(
                f'The profile "{self.name}" names no sso_account_id and sso_role_name, so it '
                f"has no {lacking}.", "Choose a profile with an account and a role.")
        return grant

    def is_production(self, flagged: Sequence[str] = ()) -> bool:
        """Flagged in ipython_config (SsoMagics.production_profiles) or in the profile itself
        (`ssomagic_production = true`, which the AWS CLI ignores)."""
        return self.name in flagged or self.values.get(PRODUCTION_KEY, "").lower() in (
            "true", "yes", "1")

    @property
    def grant(self) -> tuple[str, str] | None:
        """(account, role) of a role profile, which yields credentials; None for one with only
        an sso-session, which can still sign in."""
        if self.account_id is None or self.role_name is None:
            return None
        return self.account_id, self.role_name

    @property
    def has_role(self) -> bool:
        return self.grant is not None


# Profiles whose credentials come from elsewhere than a sign-in, by the key that says so, in
# the order botocore's credential chain tries them.
PLAIN_KINDS = (("aws_access_key_id", "static keys"), ("credential_process", "credential_process"),
               ("login_session", "login_session (aws login)"),
               ("web_identity_token_file", "web identity"),
               ("credential_source", "credential_source"))


@dataclass(frozen=True)
class PlainProfile:
    """A profile that is not signed in through IAM Identity Center: static keys, a
    credential_process, an `aws login` session, web identity. botocore resolves its
    credentials; ssomagic lists it, binds it and asks STS who it is, and has nothing to sign
    in to for it."""

    name: str
    kind: str  # one of PLAIN_KINDS' descriptions
    region: str | None = None
    values: Mapping[str, str] = field(default_factory=dict, repr=False)

    def is_production(self, flagged: Sequence[str] = ()) -> bool:
        return self.name in flagged or self.values.get(PRODUCTION_KEY, "").lower() in (
            "true", "yes", "1")

    @property
    def how(self) -> str:
        """Where its credentials come from, in words (never a key's value)."""
        if self.kind == "credential_process":
            return f"the credential_process `{self.values['credential_process']}`"
        if self.kind == "static keys":
            return ("the access keys in its section" if "aws_access_key_id" in self.values
                    else "the access keys in the shared credentials file")
        return f"its {self.kind}"


def section_name_for_profile(name: str) -> str:
    return "default" if name == "default" else f"profile {name}"


def parse_error(exc: configparser.Error, path: Path, text: str) -> ConfigParseError:
    """A parser's complaint as a ConfigParseError naming the line and quoting it."""
    line: int | None = getattr(exc, "lineno", None)
    # MissingSectionHeaderError is a ParsingError without .errors on Python < 3.12.
    errors = getattr(exc, "errors", None)
    if isinstance(exc, configparser.ParsingError) and errors:
        line = errors[0][0]
    if isinstance(exc, configparser.DuplicateSectionError):
        detail = f"section [{exc.section}] appears twice"
    elif isinstance(exc, configparser.DuplicateOptionError):
        detail = f"{exc.option} appears twice in [{exc.section}]"
    elif isinstance(exc, configparser.MissingSectionHeaderError):
        detail = f"cannot read {exc.line.strip()!r}: no [section] header comes before it"
    elif line:
        lines = text.splitlines()
        detail = f"cannot read {lines[line - 1].strip()!r}" if line <= len(lines) else "error"
    else:
        detail = exc.message.splitlines()[0].rstrip(".")
    return ConfigParseError(str(path), line, detail)


def _split_section(key: str) -> list[str]:
    """`profile dev` -> ["profile", "dev"]; shlex only for the rare quoted name (it is slow,
    and a 2,000-profile config would spend most of its read in it)."""
    if '"' not in key and "'" not in key:
        return key.split()
    try:
        return shlex.split(key)
    except ValueError:
        return []


@dataclass(frozen=True)
class AwsConfig:
    path: Path
    profiles: Mapping[str, Mapping[str, str]]
    sso_sessions: Mapping[str, Mapping[str, str]]
    # Profiles with access keys in the shared credentials file (`aws configure` puts them
    # there, and the region in the config): their names alone, never a key.
    keyed: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str, path: Path) -> AwsConfig:
        """Parsed as botocore parses it. A config of thousands of profiles is tens of thousands
        of small objects, none of them garbage: the cyclic collector is paused meanwhile, or
        its passes over a notebook's whole heap cost more than the parse itself."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cls._parse(text, path)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _parse(cls, text: str, path: Path) -> AwsConfig:
        parser = configparser.RawConfigParser()
        try:
            parser.read_string(text, source=str(path))
        except configparser.Error as exc:
            raise parse_error(exc, path, text) from None
        profiles: dict[str, dict[str, str]] = {}
        sessions: dict[str, dict[str, str]] = {}
        defaults = parser.defaults()
        # What items(section) gives, without its per-call ChainMap and interpolation pass
        # (RawConfigParser interpolates nothing): the parsed sections, as stored.
        stored: dict[str, dict[str, str]] = parser._sections  # type: ignore[attr-defined]
        for section in parser.sections():
            raw = {**defaults, **stored[section]} if defaults else stored[section]
            values = {k: v.strip() for k, v in raw.items()}
            parts = _split_section(section)
            if section == "default":
                profiles.setdefault("default", values)
            elif len(parts) == 2 and parts[0] == "profile":
                profiles[parts[1]] = values
            elif len(parts) == 2 and parts[0] == "sso-session":
                sessions[parts[1]] = values
        return cls(path=path, profiles=profiles, sso_sessions=sessions)

    # ---- resolution ----------------------------------------------------------------------

    def profile(self, name: str, _seen: tuple[str, ...] = ()) -> Profile:
        """The profile, validated for SSO sign-in (directly, or by role chaining over one);
        raises a ConfigError that says what to fix."""
        values = self.profiles.get(name)
        if values is None:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ProfileNotFoundError(
                f"The config profile ({name}) could not be found.",
                f"Profiles in {self.path}: {known}. Name a role as ACCOUNT/ROLE instead, or "
                f"add profiles with {command('populate SESSION')}.",
            )
        if values.get("role_arn") and values.get("source_profile"):
            return self._chained(name, values, _seen)
        session_name = values.get("sso_session")
        if session_name is None and not any(k in values for k in (*_SSO_KEYS, *_ROLE_KEYS)):
            raise NotAnSsoProfileError(
                f'The profile "{name}" is not an SSO profile: it has no sso_session or '
                "sso_start_url.",
                f"Point it at an sso-session (sso_session = ...) in {self.path}, or use "
                "another profile.",
            )
        resolved = dict(values)
        if session_name is not None:
            session = self.sso_sessions.get(session_name)
            if session is None:
                raise ConfigError(
                    f'The specified sso-session does not exist: "{session_name}".',
                    f"Add an [sso-session {session_name}] section with sso_start_url and "
                    f"sso_region to {self.path}, or fix sso_session in "
                    f"[{section_name_for_profile(name)}].",
                )
            for key, value in session.items():
                if resolved.get(key, value) != value:
                    raise ConfigError(
                        f"The value for {key} is inconsistent between profile "
                        f"({resolved[key]}) and sso-session ({value}).",
                        f"Remove {key} from [{section_name_for_profile(name)}] or make both "
                        "the same.",
                    )
                resolved[key] = value
        required = list(_SSO_KEYS)
        if any(k in values for k in _ROLE_KEYS):
            required = [*_ROLE_KEYS, *_SSO_KEYS]
        missing = [k for k in required if not resolved.get(k)]
        if missing:
            place = (f"[sso-session {session_name}] or " if session_name else "")
            raise ConfigError(
                f'The profile "{name}" is configured to use SSO but is missing required '
                f"configuration: {', '.join(missing)}.",
                f"Add {' and '.join(missing)} to {place}[{section_name_for_profile(name)}] "
                f"in {self.path}.",
            )
        sso = SsoSession(
            name=session_name,
            start_url=resolved["sso_start_url"],
            region=resolved["sso_region"],
            scopes=split_scopes(resolved.get("sso_registration_scopes")),
        )
        return Profile(
            name=name,
            sso=sso,
            account_id=resolved.get("sso_account_id"),
            role_name=resolved.get("sso_role_name"),
            region=resolved.get("region"),
            values=values,
        )

    def _chained(self, name: str, values: Mapping[str, str], seen: tuple[str, ...]) -> Profile:
        """`role_arn` assumed with `source_profile`'s credentials, as botocore chains them, to
        any depth; the chain must end at an SSO profile for ssomagic to sign it in."""
        source_name = values["source_profile"]
        if source_name in (*seen, name):
            raise ConfigError(f"The profile {name} chains back to itself through "
                              f"source_profile ({' -> '.join((*seen, name, source_name))}).",
                              f"Point source_profile of [{section_name_for_profile(name)}] at "
                              "an SSO profile.")
        arn = values["role_arn"]
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
            raise ConfigError(f"The role_arn of profile {name} is not a role's ARN ({arn}).",
                              "Write it as arn:aws:iam::ACCOUNT:role/NAME.")
        source = self.profile(source_name, (*seen, name))
        if not source.has_role:
            raise ConfigError(f"The source_profile of {name}, {source_name}, has no "
                              "sso_account_id and sso_role_name: it has no credentials to "
                              "assume a role with.", "Point source_profile at a role profile.")
        return Profile(name=name, sso=source.sso, account_id=parts[4],
                       role_name=parts[5].rsplit("/", 1)[-1], region=values.get("region"),
                       values=values, role_arn=arn, source=source)

    def find(self, name: str | None) -> Profile | None:
        """The profile if it is there and valid, else None (for displays that must not fail)."""
        if not name:
            return None
        try:
            return self.profile(name)
        except ConfigError:
            return None

    def plain(self, name: str) -> PlainProfile | None:
        """The profile as a plain one, when its credentials come from elsewhere: its section
        of the config, or access keys in the shared credentials file (as botocore, the keys
        there win)."""
        values = self.profiles.get(name, {})
        if (name not in self.profiles and name not in self.keyed) or values.get(
                "sso_session") or values.get("sso_start_url") or (
                values.get("role_arn") and values.get("source_profile")):
            return None
        kind = "static keys" if name in self.keyed else next(
            (what for key, what in PLAIN_KINDS if values.get(key)), None)
        return None if kind is None else PlainProfile(name, kind, values.get("region"), values)

    def plain_profiles(self) -> list[PlainProfile]:
        names = [*self.profiles, *sorted(self.keyed.difference(self.profiles))]
        return [p for p in (self.plain(n) for n in names) if p is not None]

    def find_any(self, name: str | None) -> Profile | PlainProfile | None:
        """An SSO (or chained) profile, else a plain one, else None: for displays."""
        found = self.find(name)
        return found if found is not None or not name else self.plain(name)

    def sso_profiles(self) -> list[Profile]:
        """Every profile that validates as an SSO profile; the others are left out quietly."""
        found = []
        for name in self.profiles:
            try:
                found.append(self.profile(name))
            except ConfigError:
                continue
        return found

    def session(self, name: str) -> SsoSession:
        values = self.sso_sessions.get(name)
        if values is None:
            raise ConfigError(f'The specified sso-session does not exist: "{name}".',
                              f"Sessions in {self.path}: "
                              f"{', '.join(sorted(self.sso_sessions)) or 'none'}.")
        missing = [k for k in _SSO_KEYS if not values.get(k)]
        if missing:
            raise ConfigError(f'The sso-session "{name}" is missing required configuration: '
                              f"{', '.join(missing)}.",
                              f"Add them to [sso-session {name}] in {self.path}.")
        return SsoSession(name, values["sso_start_url"], values["sso_region"],
                          split_scopes(values.get("sso_registration_scopes")))

    def choose_session(self, name: str | None, runtime: Runtime) -> SsoSession:
        """The named sso-session; with none named, the only one there is, or that of the
        profile $AWS_PROFILE (else `default`) names."""
        if name is not None:
            return self.session(name)
        if len(self.sso_sessions) == 1:
            return self.session(next(iter(self.sso_sessions)))
        found = self.find(runtime.profile_name(None))
        if found is not None:
            return found.sso
        have = (f"The config has {', '.join(sorted(self.sso_sessions))}." if self.sso_sessions
                else "The config has none.")
        raise ConfigError(f"Which sso-session? {have}",
                          "Name one with --sso-session NAME, or add one with "
                          f"{command('configure --start-url URL')}.")

    @property
    def nothing_to_sign_in_to(self) -> str:
        """What to say when the config has no SSO profile: an empty table helps nobody."""
        return (f"No SSO profiles in {self.path}. Start from your start URL: "
                f"{command('configure --start-url URL')}, sign in, then "
                f"{command('populate SESSION')} adds a profile per account and role.")

    def sessions(self) -> list[SsoSession]:
        """Every sign-in target: named sso-sessions, then distinct legacy start URLs."""
        found: dict[str, SsoSession] = {}
        for name in self.sso_sessions:
            try:
                found[name] = self.session(name)
            except ConfigError:
                continue
        for profile in self.sso_profiles():
            if profile.sso.name is None:
                found.setdefault(profile.sso.cache_key, profile.sso)
        return list(found.values())


def not_utf_8(path: Path, exc: UnicodeDecodeError) -> ConfigError:
    return ConfigError(f"The config file {path} is not UTF-8 text (byte {exc.start}).",
                       "Save it as UTF-8; ssomagic will not rewrite a file it cannot read.")


def read_config_text(path: Path) -> str:
    """The config's text, or one line naming the file and what to do (never a traceback)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf_8(path, exc) from None
    except IsADirectoryError:
        raise ConfigError(f"The config file {path} is a directory.",
                          "Move it away, or point AWS_CONFIG_FILE at a file.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path} ({exc.strerror}).",
                          "Check its permissions.") from None


_cache_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[object, object], AwsConfig]] = {}


def changes_soon(path: Path, stamp: object, stamp_of: Callable[[Path], object]) -> bool:
    """Whether a file that was just written (within MID_WRITE) changes from ``stamp`` within
    MID_WRITE: another writer is still saving it. Real time: the other writer's."""
    try:
        if time.time() - path.stat().st_mtime >= timing.MID_WRITE:
            return False
    except OSError:
        return False
    until = time.monotonic() + timing.MID_WRITE
    while time.monotonic() < until:
        time.sleep(timing.SETTLE)
        if stamp_of(path) != stamp:
            return True
    return False


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _keyed(path: Path) -> frozenset[str]:
    """The profiles the shared credentials file has access keys for; an unreadable or
    malformed file has none (botocore says what is wrong with it when it reads the keys)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"))  # errors are botocore's to say
    except (OSError, UnicodeDecodeError, configparser.Error):
        return frozenset()
    return frozenset(name for name in parser.sections()
                     if parser.has_option(name, "aws_access_key_id"))


def load_config(runtime: Runtime | None = None) -> AwsConfig:
    """The parsed config file; re-read only when the file changes (inode, mtime or size).

    A missing file reads as an empty config, as botocore treats it. A file caught mid-save
    (empty, or not parsing, and written a moment ago) is read again once it is whole.
    """
    run = runtime or Runtime()
    path, credentials = run.config_file, run.credentials_file
    for _ in range(5):
        stamp, keys_stamp = _stamp(path), _stamp(credentials)
        keyed: frozenset[str] | None = frozenset() if keys_stamp is None else None
        with _cache_lock:
            hit = _cache.get(path)
            if hit is not None and hit[0] == (stamp, keys_stamp):
                return hit[1]
        if stamp is None:
            empty = AwsConfig(path=path, profiles={}, sso_sessions={},
                              keyed=_keyed(credentials) if keyed is None else keyed)
            with _cache_lock:
                _cache[path] = ((stamp, keys_stamp), empty)
            return empty
        text = read_config_text(path)
        if _stamp(path) != stamp:
            continue  # written while read
        try:
            config = AwsConfig.parse(text, path)
        except ConfigParseError:
            if changes_soon(path, stamp, _stamp):
                continue
            raise
        if not text.strip() and changes_soon(path, stamp, _stamp):
            continue
        config = replace(config, keyed=_keyed(credentials) if keyed is None else keyed)
        with _cache_lock:
            _cache[path] = ((stamp, keys_stamp), config)
        return config
    return AwsConfig.parse(read_config_text(path), path)
