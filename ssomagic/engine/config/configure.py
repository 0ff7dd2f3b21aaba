"""`aws configure sso`'s first half, from a start URL alone: write or update one
[sso-session NAME] section (sso_start_url, sso_region, sso_registration_scopes).

Everything is checked before anything is written. Running it again updates the same section:
the session for a start URL already in the config keeps its name, so there is never a second
section for one start URL. The edit keeps comments and layout, is atomic and locked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from configupdater import ConfigUpdater

from ..errors import ConfigError
from ..runtime import Runtime
from . import start_url as urls
from .read import SsoSession, load_config, section_name_for_profile, split_scopes
from .write import Edit, edit, set_sso_session, upsert


@dataclass(frozen=True)
class Configured:
    """What configure wrote: the sso-session, and whether the section is new."""

    session: SsoSession
    path: Path
    created: bool

    @property
    def name(self) -> str:
        return self.session.name or ""

    def lines(self) -> list[str]:
        """The section as it stands in the file."""
        return [f"[sso-session {self.name}]",
                *(f"{key} = {value}" for key, value in self.session.section().items())]

    def summary(self) -> str:
        """What was written; the next step is the front end's to phrase (next())."""
        verb = "Added" if self.created else "Updated"
        return (f"{verb} [sso-session {self.name}] in {self.path}: {self.session.start_url} in "
                f"{self.session.region}.")

    def next(self, login: str) -> str:
        """``login`` is the front end's sign-in command, as its user types it."""
        return f"Next: sign in with {login} --sso-session {self.name}."

    def __str__(self) -> str:  # the console's words: the API and the console are one
        return f"{self.summary()} {self.next('ssomagic login')}"


def parse_scopes(scopes: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """Scopes as given (a flag's text or a list), checked: split as botocore splits them."""
    if scopes is None:
        return None
    found = split_scopes(scopes if isinstance(scopes, str) else ",".join(scopes)) or ()
    if not found:
        raise ConfigError("No registration scope given.",
                          "Leave --scopes out for the default, sso:account:access.")
    # Scopes are service:resource:action names (sso:account:access); a region or a word
    # typed at the wrong prompt is not one.
    odd = [s for s in found if s.count(":") < 1 or " " in s]
    if odd:
        raise ConfigError(f"{', '.join(odd)} is not a registration scope.",
                          "Scopes look like sso:account:access; leave them out for that "
                          "default.")
    return found


def plan(start_url: str, *, region: str | None = None, session: str | None = None,
         scopes: str | Sequence[str] | None = None, runtime: Runtime | None = None,
         head: urls.Head | None = None) -> tuple[SsoSession, bool]:
    """The sso-session configure would write, and whether it is new; writes nothing."""
    runtime = runtime or Runtime()
    url = urls.check_start_url(start_url)
    config = load_config(runtime)
    same_url = [n for n, v in config.sso_sessions.items()
                if v.get("sso_start_url", "").rstrip("/") == url.rstrip("/")]
    if session is not None:
        name = urls.check_session_name(session.strip())
    elif same_url:
        name = same_url[0]
    else:
        name = urls.session_name_for(url)
        # no session has this URL (same_url is empty), so every name in the file is another's
        base, n = name, 2
        while name in config.sso_sessions:
            name, n = f"{base}-{n}", n + 1
    existing = config.sso_sessions.get(name, {})
    chosen_region = urls.region_for(url, region, known=existing.get("sso_region"), head=head)
    chosen_scopes = parse_scopes(scopes)
    if chosen_scopes is None:
        old = existing.get("sso_registration_scopes")
        chosen_scopes = parse_scopes(old) if old else urls.DEFAULT_SCOPES
    return SsoSession(name, url, chosen_region, chosen_scopes), not existing


def profile_values(session: SsoSession, account_id: str, role: str, *, region: str | None,
                   output: str | None) -> dict[str, str]:
    """A new-style profile as `aws configure sso` writes it."""
    assert session.name is not None
    values = {"sso_session": session.name, "sso_account_id": account_id,
              "sso_role_name": role, "region": region or session.region}
    if output:
        values["output"] = output
    return values


def write(session: SsoSession, profiles: Mapping[str, Mapping[str, str]] | None = None, *,
          runtime: Runtime, dry_run: bool = False) -> Edit:
    """The sso-session and the chosen profiles in one atomic, locked edit (or its preview).
    A profile name that another profile already has, for another account or role, is refused:
    nothing is ever overwritten that the user did not choose."""
    assert session.name is not None
    profiles = profiles or {}
    config = load_config(runtime)
    for name, values in profiles.items():
        check_profile_name(name)
        old = config.profiles.get(name)
        if old is not None and any(old.get(k) != values.get(k) for k in _IDENTITY_KEYS):
            raise ConfigError(f"A profile named {name} already exists for another account or "
                              "role.", "Choose another name for it.")
    values = session.section()

    def change(updater: ConfigUpdater) -> None:
        upsert(updater, f"sso-session {session.name}", values)
        for name, profile in profiles.items():
            upsert(updater, section_name_for_profile(name), profile)

    return edit(runtime, change, dry_run=dry_run)


_IDENTITY_KEYS = ("sso_session", "sso_account_id", "sso_role_name")
PROFILE_NAME = re.compile(r"[A-Za-z0-9_.@+-]+")


def check_profile_name(name: str) -> str:
    if not PROFILE_NAME.fullmatch(name):
        raise ConfigError(f"{name!r} cannot be a profile name.",
                          "Use letters, digits, '-', '_', '.', '@' or '+', with no spaces.")
    return name


def configure(start_url: str, *, region: str | None = None, session: str | None = None,
              scopes: str | Sequence[str] | None = None, runtime: Runtime | None = None,
              head: urls.Head | None = None) -> Configured:
    """Write or update the sso-session for ``start_url``; returns what it wrote."""
    runtime = runtime or Runtime()
    sso, created = plan(start_url, region=region, session=session, scopes=scopes,
                        runtime=runtime, head=head)
    assert sso.name is not None
    set_sso_session(sso.name, sso.section(), runtime)
    return Configured(sso, runtime.config_file, created)
