"""One profile per account and role a sign-in reaches, as aws-sso-util's `configure populate`
does, in one locked, atomic config edit.

The profiles populate writes carry `ssomagic_populated = <sso-session>` (the AWS CLI and boto3
ignore keys they do not know), so a later run updates exactly those in place and `--prune`
removes only those whose account or role went away. A profile written by hand is never changed
or removed, even when its name is one the template would make: populate picks another name.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from configupdater import ConfigUpdater

from ..access.accounts import list_account_roles
from ..access.portal import ListingProgress
from ..errors import ConfigError
from ..runtime import Runtime
from .configure import profile_values
from .names import DEFAULT_TEMPLATE, FIELDS, profile_name, sanitise
from .read import AwsConfig, SsoSession, load_config, section_name_for_profile
from .write import Edit, edit

MARKER_KEY = "ssomagic_populated"
__all__ = ["DEFAULT_TEMPLATE", "MARKER_KEY", "PopulateReport", "check_template", "populate",
           "sanitise"]


@dataclass(frozen=True)
class PopulateReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    pruned: tuple[str, ...] = ()
    edit: Edit | None = field(default=None, repr=False)
    dry_run: bool = False
    # Roles that already have a profile of their own (written by hand, or by `aws configure
    # sso`): populate uses that one rather than add a second name for the same role.
    kept: tuple[str, ...] = ()

    def __str__(self) -> str:
        would = "would be " if self.dry_run else ""
        parts = [f"{len(self.added)} {would}added", f"{len(self.updated)} {would}updated",
                 f"{len(self.unchanged)} unchanged"]
        if self.kept:
            parts.append(f"{len(self.kept)} already configured by hand (left as they are)")
        if self.pruned:
            parts.append(f"{len(self.pruned)} {would}removed")
        return "Profiles: " + ", ".join(parts) + "."


def check_template(template: str) -> str:
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise ConfigError(f"The profile name template {template!r} cannot be read ({exc}).",
                          f"Use fields in braces, such as {DEFAULT_TEMPLATE}.") from None
    unknown = names - FIELDS
    if unknown or not names:
        raise ConfigError(f"The profile name template {template!r} uses "
                          f"{', '.join(sorted(unknown)) or 'no field'}.",
                          f"Use {', '.join('{' + f + '}' for f in sorted(FIELDS))}.")
    return template


def _matches(wanted: Sequence[str], *values: str) -> bool:
    lowered = {w.lower() for w in wanted}
    return not wanted or any(v.lower() in lowered for v in values)


def populate(session_name: str, *, template: str, region: str | None, output: str | None,
             accounts: Sequence[str], roles: Sequence[str], dry_run: bool, prune: bool,
             runtime: Runtime, progress: Callable[[ListingProgress], None] | None,
             refresh: bool) -> PopulateReport:
    """Every choice is the caller's (the API and the front ends each have their defaults),
    so none is made twice. With ``progress`` (a front end showing it), an org of any size is
    listed in full, however long the portal's quota makes that; without, within one action's
    deadline. The sign-in's listing is reused unless ``refresh``; ``prune`` always lists
    afresh, since removing a profile is only right for a role that is gone now."""
    check_template(template)
    if region is not None:
        from .start_url import check_region

        region = check_region(region)
    config = load_config(runtime)
    session = config.session(session_name)
    listing = list_account_roles(session, runtime, progress=progress,
                                 refresh=refresh or prune)
    reachable = {(a.account.account_id, r) for a in listing for r in a.roles}
    wanted = sorted(((a.account.name, a.account.account_id, role) for a in listing
                     for role in a.roles
                     if _matches(accounts, a.account.account_id, a.account.name)
                     and _matches(roles, role)), key=lambda w: (w[1], w[2]))
    plan: _Plan | None = None

    def change(updater: ConfigUpdater) -> str:
        # Planned on the file as it is now, not as it was read above: when another writer
        # changed it meanwhile, the edit runs again and plans around what they wrote.
        nonlocal plan
        current = AwsConfig.parse(str(updater), runtime.config_file).profiles
        plan = _plan(current, wanted, reachable, session, session_name, template,
                     region or session.region, output, prune)
        sections = {s.name: s for s in updater.iter_sections()}
        for name in plan.updated:
            block = sections[section_name_for_profile(name)]
            for key, value in plan.values[name].items():
                if key in block:
                    block[key].value = value
                else:
                    block[key] = value
        for name in plan.stale:
            sections[section_name_for_profile(name)].detach()
        return "".join(f"[{section_name_for_profile(name)}]\n" + "".join(
            f"{key} = {value}\n" for key, value in plan.values[name].items())
            for name in plan.added)

    result = edit(runtime, change, dry_run=dry_run)
    assert plan is not None  # edit() runs the change at least once
    return PopulateReport(tuple(plan.added), tuple(plan.updated), tuple(plan.unchanged),
                          tuple(plan.stale), result, dry_run, tuple(plan.kept))


@dataclass
class _Plan:
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _plan(profiles: Mapping[str, Mapping[str, str]], wanted: list[tuple[str, str, str]],
          reachable: set[tuple[str, str]], session: SsoSession, session_name: str,
          template: str, region: str, output: str | None, prune: bool) -> _Plan:
    """Which profile each wanted role gets, in one pass over the config: dictionaries and
    sets only, so 50,000 accounts plan in about the time they take to list."""
    ours = {name: values for name, values in profiles.items()
            if values.get(MARKER_KEY) == session_name}
    ours_by_pair = {_pair(v): n for n, v in ours.items()}
    # One name per role: a profile of this sso-session that is not ours already signs in as
    # the role (the first in file order, as configured_profiles finds it).
    theirs_by_pair: dict[tuple[str, str], str] = {}
    for n, v in profiles.items():
        if n not in ours and v.get("sso_session") == session_name and not v.get("role_arn"):
            theirs_by_pair.setdefault(_pair(v), n)
    taken = set(profiles)  # every name in use; a new one is added as it is chosen
    plan = _Plan()
    for account_name, account_id, role in wanted:
        name = ours_by_pair.get((account_id, role))
        if name is None and (account_id, role) in theirs_by_pair:
            plan.kept.append(theirs_by_pair[(account_id, role)])
            continue
        if name is None:
            name = _free_name(profile_name(role, account_id, account_name=account_name,
                                           session=session_name, template=template),
                              account_id, taken)
            taken.add(name)
        plan.values[name] = _values(session, account_id, role, region, output, session_name)
    plan.stale = [n for n, v in ours.items() if prune and _pair(v) not in reachable]
    for name, values in plan.values.items():
        old = profiles.get(name)
        if old is None:
            plan.added.append(name)
        elif all(old.get(k) == v for k, v in values.items()):
            plan.unchanged.append(name)
        else:
            plan.updated.append(name)
    return plan


def _pair(values: Mapping[str, str]) -> tuple[str, str]:
    """The account and role a profile signs in as: what makes two profiles the same role."""
    return values.get("sso_account_id", ""), values.get("sso_role_name", "")


def _free_name(name: str, account_id: str, taken: set[str]) -> str:
    """The template's name, or a deterministic variant when another profile has it."""
    if name not in taken:
        return name
    base = name if account_id in name else f"{name}-{account_id}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _values(session: SsoSession, account_id: str, role: str, region: str, output: str | None,
            session_name: str) -> dict[str, str]:
    """A profile as configure writes one (configure.profile_values), marked as populate's."""
    return {**profile_values(session, account_id, role, region=region, output=output),
            MARKER_KEY: session_name}
