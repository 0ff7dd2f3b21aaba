"""When a user's own cell fails for a sign-in reason, say so in a sentence instead of a
traceback: what happened, what to do, and a button that does it.

Handled: botocore's SSO token errors (expired, refresh failed, not found, UnauthorizedSSOToken),
the portal's UnauthorizedException and ForbiddenException ("No access": the roles the user does
have in that account are listed), an expired session token, and an access denial while the
bound account is not the profile's. Everything else gets IPython's usual traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from ..engine.aws.gateway import error_code
from ..engine.errors import NoAccessError, NotSignedInError

if TYPE_CHECKING:  # loading the extension stays light: these come on first use
    from ..engine.binding.kernel_binding import KernelBinding
    from ..engine.config.read import Profile

TOKEN_ERRORS = ("TokenRetrievalError", "SSOTokenLoadError", "UnauthorizedSSOTokenError",
                "SSOError", "InvalidSSOTokenError")
EXPIRED_CODES = ("ExpiredToken", "ExpiredTokenException", "UnauthorizedException",
                 "InvalidClientTokenId")


@dataclass(frozen=True)
class Explanation:
    title: str
    message: str
    profile: str | None = None  # offer a sign-in button for it
    force: bool = False


def failing_profile(exc: BaseException, tb: TracebackType | None,
                    binding: KernelBinding | None = None) -> str | None:
    """The profile the failed call used, when the error or its traceback tells: our errors
    carry it; our credentials and botocore's SSO provider know their profile; botocore's SSO
    credential fetcher knows its account, role and sso-session, which name one profile of the
    config. None when nothing tells: an explanation then says so instead of guessing."""
    named = getattr(exc, "profile", None)
    if isinstance(named, str) and named:
        return named
    found = None
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        signer = getattr(owner, "_request_signer", None)
        for candidate in (owner, getattr(signer, "_credentials", None)):
            for attribute in ("profile_name", "_profile_name"):
                value = getattr(candidate, attribute, None)
                if isinstance(value, str) and value:
                    found = value  # the innermost frame that knows wins
            account, role = (getattr(candidate, "_account_id", None),
                             getattr(candidate, "_role_name", None))
            if found is None and binding is not None and isinstance(account, str) and \
                    isinstance(role, str):
                found = _profile_for(account, role, getattr(candidate, "_sso_session_name",
                                                            None), binding)
        tb = tb.tb_next
    return found


def _profile_for(account: str, role: str, session: str | None, binding: KernelBinding
                 ) -> str | None:
    from ..engine.config.read import load_config

    matches = [p.name for p in load_config(binding.runtime).sso_profiles()
               if p.account_id == account and p.role_name == role
               and (session is None or p.sso.name == session)]
    return matches[0] if len(matches) == 1 else None


def explain(exc: BaseException, binding: KernelBinding,
            tb: TracebackType | None = None) -> Explanation | None:
    code = error_code(exc)
    if type(exc).__name__ in ("NoRegionError", "NoCredentialsError") and binding.profile is None:
        last = binding.last_profile
        return Explanation("Not signed in",
                           "No profile is bound to this kernel (after %sso logout, say), so AWS "
                           "calls have neither a region nor credentials. Sign in: %sso login "
                           f"{last or 'PROFILE'}.", last)
    if type(exc).__name__ in TOKEN_ERRORS or isinstance(exc, NotSignedInError) or (
            code in EXPIRED_CODES):
        name = failing_profile(exc, tb, binding)
        if name is not None:
            return Explanation("Not signed in",
                               f"The AWS sign-in for profile {name} has expired or was signed "
                               f"out ({type(exc).__name__ if code is None else code}). Sign in "
                               "again, then re-run the cell; clients you already made pick up "
                               "the new sign-in by themselves.", name)
        bound = (f" This kernel is bound to {binding.profile}, but that need not be the one "
                 "this call used." if binding.profile else "")
        return Explanation("Not signed in",
                           "The AWS sign-in this call used has expired or was signed out "
                           f"({type(exc).__name__ if code is None else code}); which profile it "
                           f"was cannot be told from the error.{bound} Sign in again with "
                           "%sso login PROFILE, then re-run the cell.", None)
    profile = _bound_profile(binding)
    if isinstance(exc, NoAccessError):
        return Explanation("No access", str(exc), None)  # signing in again would not help
    if code == "ForbiddenException":
        # The failing call's profile, not the bound one: a boto3.Session(profile_name=...)
        # of another role fails so while the kernel is bound to a role it does have.
        from ..engine.config.read import load_config

        name = failing_profile(exc, tb, binding)
        failing = load_config(binding.runtime).find(name) if name else None
        return Explanation("No access", _no_access(failing, binding), None)
    if code is not None and code.startswith("AccessDenied") and profile is not None:
        wrong = _wrong_account(profile, binding)
        if wrong:
            return Explanation("Wrong account", wrong, None)
    return None


def _bound_profile(binding: KernelBinding) -> Profile | None:
    from ..engine.config.read import load_config

    return load_config(binding.runtime).find(binding.profile)


def _no_access(profile: Profile | None, binding: KernelBinding) -> str:
    if profile is None or not profile.account_id:
        return "IAM Identity Center answered No access: the role is not assigned to you."
    from ..engine.access.portal import Portal
    from ..engine.signin.tokens import current_token

    token = current_token(profile.sso, runtime=binding.runtime)
    roles = None
    if token is not None:
        roles = Portal(profile.sso, token.access_token,
                       runtime=binding.runtime).roles_or_none(profile.account_id)
    return str(NoAccessError(profile.account_id, profile.role_name or "", roles))


def _wrong_account(profile: Profile, binding: KernelBinding) -> str | None:
    shadowing = binding.shadowing()
    if shadowing:
        return (f"Access denied, and {', '.join(shadowing)} in the environment override "
                f"profile {profile.name} (account {profile.account_id}). Run %sso use "
                f"{profile.name} to remove them.")
    from ..engine.aws import gateway
    from ..engine.errors import SsoMagicError

    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        region = profile.region or profile.sso.region
        sts = boto3.client("sts", region_name=region)
        # Through the gateway, like every other AWS call: its deadline, its retries, its one
        # line; short, since an explanation must not keep the person waiting.
        answer = gateway.call(sts.get_caller_identity, {}, doing="say who you are",
                              target=gateway.Target("sts", region, profile.sso.label,
                                                    profile.name),
                              runtime=binding.runtime,
                              deadline=gateway.Deadline(binding.runtime, 5.0), attempts=2)
        account = str(answer["Account"])
    except (SsoMagicError, ClientError, BotoCoreError, KeyError, TypeError):
        return None  # the explanation is a guess it cannot make now: IPython's own then
    if account != profile.account_id:
        return (f"Access denied while running as account {account}, but profile "
                f"{profile.name} is account {profile.account_id}. Run %sso use "
                f"{profile.name} to bind it again.")
    return None


def render_html(explanation: Explanation) -> str:
    from .render import error_html

    return error_html(explanation.title, explanation.message)
