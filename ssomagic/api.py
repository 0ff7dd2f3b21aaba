"""The Python API. ``profile=None`` means $AWS_PROFILE, else ``default``, as for every AWS tool."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .console.text import ConsoleListener

if TYPE_CHECKING:
    from .engine.access.accounts import Access
    from .engine.access.portal import ListingProgress
    from .engine.config.configure import Configured
    from .engine.config.populate import PopulateReport

from .engine.access.identity import Identity
from .engine.access.identity import whoami as _whoami
from .engine.config.read import AwsConfig, Profile, SsoSession, load_config
from .engine.events import Listener
from .engine.runtime import Runtime
from .engine.signin.session_status import SessionStatus, session_status
from .engine.signin.sign_in import SignIn
from .engine.signin.sign_out import LogoutReport, logout_all, logout_session


def _resolve(profile: str | None, runtime: Runtime) -> tuple[AwsConfig, Profile]:
    """PROFILE, or ACCOUNT/ROLE as everywhere else (a profile is added for it if need be)."""
    from .engine.access.resolve import resolve_profile

    found = resolve_profile(profile, runtime)
    return load_config(runtime), found


def _target(profile: str | None, sso_session: str | None, runtime: Runtime
            ) -> tuple[AwsConfig, Profile | SsoSession]:
    """A profile, or an sso-session named alone (as `aws sso login --sso-session NAME`)."""
    from .engine.access.resolve import sign_in_target

    found = sign_in_target(profile, sso_session, runtime)
    return load_config(runtime), found


def login(profile: str | None = None, *, sso_session: str | None = None, force: bool = False,
          listener: Listener | None = None, runtime: Runtime | None = None,
          flow: str = "device", open_browser: bool = True) -> SessionStatus:
    """Sign in to the profile's sso-session, or to ``sso_session`` alone (no profile needed);
    reuse a valid token unless ``force``.

    ``flow``: "device" (a code to compare, wherever the browser is), "pkce" (one click in a
    browser on this machine, as `aws sso login` since 2.22), or "auto" (PKCE unless this runs
    over SSH, on a JupyterHub, in a container...). Without a listener the link (and code) are
    printed as `aws sso login` prints them; with PKCE a browser is opened unless
    ``open_browser`` is False.
    """
    import os

    from .engine.config.read import Profile as _Profile
    from .engine.signin.flow_choice import choose
    from .notebook.render import callback_page_html

    runtime = runtime or Runtime()
    _, found = _target(profile, sso_session, runtime)
    session = found.sso if isinstance(found, _Profile) else found
    choice = choose(flow, session, os.environ, console=True)
    return SignIn(found, runtime=runtime, listener=listener or ConsoleListener(),
                  force=force, flow=choice.flow, page=callback_page_html,
                  open_browser=_browser if open_browser else None).run().status


def _browser(url: str) -> bool:
    import webbrowser

    try:
        return webbrowser.open(url)
    except Exception:  # no browser here: the URL is printed all the same
        return False


def logout(profile: str | None = None, *, sso_session: str | None = None, all: bool = False,
           runtime: Runtime | None = None) -> LogoutReport:
    """Sign out of the profile's sso-session (or ``sso_session``), or of all with ``all=True``."""
    runtime = runtime or Runtime()
    if all:
        return logout_all(runtime, load_config(runtime))
    config, found = _target(profile, sso_session, runtime)
    if isinstance(found, SsoSession):
        return logout_session(found, runtime, config)
    return logout_session(found.sso, runtime, config, profile=found.name)


def use(profile: str | None = None, *, runtime: Runtime | None = None) -> Any:
    """Bind the profile to this process and return its boto3 Session.

    As `%sso use`: boto3's default session, AWS_PROFILE and the region for subprocesses. Role
    credentials are shared with the AWS CLI through ~/.aws/cli/cache and refetched after a new
    sign-in. PROFILE may also be ACCOUNT/ROLE.
    """
    import boto3

    from .engine.access.resolve import resolve_any
    from .engine.binding.kernel_binding import KernelBinding, kernel_binding
    from .engine.binding.use import use as _use

    binding = kernel_binding() if runtime is None else KernelBinding(runtime)
    for warning in _use(resolve_any(profile, binding.runtime), binding).warnings:
        import warnings

        warnings.warn(warning, stacklevel=2)
    return boto3.DEFAULT_SESSION


def whoami(profile: str | None = None, *, runtime: Runtime | None = None) -> Identity:
    """Account, account name, role, ARN, user, region and token expiry, from STS and the portal."""
    from .engine.access.resolve import resolve_any

    runtime = runtime or Runtime()
    found = resolve_any(profile, runtime)
    _teach_ipython()
    return _whoami(found, runtime)


def _teach_ipython() -> None:
    """In IPython, show an Identity as the same card as %sso whoami (once, and only there)."""
    import sys

    if "IPython" in sys.modules:  # never import IPython for a plain Python caller
        from .notebook.display import teach_running_shell

        teach_running_shell()


def profiles(*, runtime: Runtime | None = None) -> list[Profile]:
    """Every SSO profile in the config, in file order (no network)."""
    return load_config(runtime or Runtime()).sso_profiles()


def status(profile: str | None = None, *, sso_session: str | None = None,
           runtime: Runtime | None = None) -> SessionStatus:
    """Whether the profile's sso-session (or ``sso_session``) is signed in, and until when
    (no network)."""
    runtime = runtime or Runtime()
    _, found = _target(profile, sso_session, runtime)
    return session_status(found if isinstance(found, SsoSession) else found.sso, runtime)


def sessions(*, runtime: Runtime | None = None) -> list[SessionStatus]:
    """The status of every sso-session (and legacy start URL) in the config."""
    runtime = runtime or Runtime()
    return [session_status(s, runtime) for s in load_config(runtime).sessions()]


def configure(start_url: str, *, region: str | None = None, session: str | None = None,
              scopes: str | Sequence[str] | None = None,
              runtime: Runtime | None = None) -> Configured:
    """Write or update the [sso-session] for a start URL, as `aws configure sso` begins.

    The region is read from the start URL's host when it says; the session name defaults to
    the organisation's part of the host. Returns what was written.
    """
    from .engine.config.configure import configure as _configure

    return _configure(start_url, region=region, session=session, scopes=scopes,
                      runtime=runtime or Runtime())


def accounts(*, sso_session: str | None = None, runtime: Runtime | None = None) -> list[Access]:
    """Every account and role the sign-in reaches, with the profile configured for each."""
    from .engine.access.accounts import accounts as _accounts

    runtime = runtime or Runtime()
    return _accounts(load_config(runtime).choose_session(sso_session, runtime), runtime)


def populate(sso_session: str, *, template: str | None = None, region: str | None = None,
             output: str | None = None, accounts: Sequence[str] = (),
             roles: Sequence[str] = (), dry_run: bool = False, prune: bool = False,
             runtime: Runtime | None = None,
             progress: Callable[[ListingProgress], None] | None = None,
             refresh: bool = False) -> PopulateReport:
    """One profile per account and role of the sign-in, named by ``template``. Give
    ``progress`` to hear how the listing goes: then an org of any size is listed in full.
    The sign-in's listing (made by any process) is reused unless ``refresh`` or ``prune``."""
    from .engine.config.populate import DEFAULT_TEMPLATE
    from .engine.config.populate import populate as _populate

    return _populate(sso_session, template=template or DEFAULT_TEMPLATE, region=region,
                     output=output, accounts=accounts, roles=roles, dry_run=dry_run,
                     prune=prune, runtime=runtime or Runtime(), progress=progress,
                     refresh=refresh)


def serve(profile: str | None = None, *, runtime: Runtime | None = None) -> Any:
    """Start a local credentials endpoint for the profile (the container-credentials protocol
    every AWS SDK reads), refreshed for as long as the sign-in lasts; returns it. Its
    ``environment()`` holds the two variables to give a subprocess or a container; ``stop()``
    ends it (so does the process's end)."""
    from .engine.access.credentials_endpoint import CredentialsEndpoint
    from .engine.access.resolve import resolve_any

    runtime = runtime or Runtime()
    return CredentialsEndpoint(resolve_any(profile, runtime), runtime).start()


def console_link(profile: str | None = None, *, federated: bool = False,
                 destination: str | None = None, runtime: Runtime | None = None) -> str:
    """A link that opens the AWS console as the profile's account and role: the access
    portal's shortcut (no credential in it), or with ``federated`` a federation sign-in link
    made from the role credentials, which is a credential for 15 minutes: open it, never
    print it where others read. ``destination``: `s3`, `ec2`... or a console URL."""
    from .engine.access.console_link import federated_link, portal_link
    from .engine.access.resolve import resolve_any
    from .engine.config.read import Profile as _Profile
    from .engine.errors import ConfigError as _ConfigError

    runtime = runtime or Runtime()
    found = resolve_any(profile, runtime)
    if not isinstance(found, _Profile):
        raise _ConfigError(f"{found.name} is not an IAM Identity Center profile: no console "
                           "link for it.", "Choose a profile with an sso-session.")
    if federated:
        return federated_link(found, runtime, destination)
    return portal_link(found, destination)


def export_credentials(profile: str | None = None, *, format: str = "process",
                       runtime: Runtime | None = None) -> str:
    """The profile's role credentials in a format of `aws configure export-credentials`.
    PROFILE may also be ACCOUNT/ROLE."""
    from .engine.access.export import export_credentials as _export
    from .engine.access.resolve import resolve_any

    runtime = runtime or Runtime()
    return _export(resolve_any(profile, runtime), format, runtime)
