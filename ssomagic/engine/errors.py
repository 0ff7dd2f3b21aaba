"""Errors a user can act on: each says what went wrong and then what to do about it.

The text never carries a token, a client secret or a key, so an error can be shown in a
notebook, logged or printed by the console as it is.
"""

from __future__ import annotations

from typing import Any

from .advice import command


class SsoMagicError(Exception):
    """Base of every error ssomagic raises on purpose."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message if not hint else f"{message} {hint}")
        self.message = message
        self.hint = hint


class LocalStateError(SsoMagicError):
    """A file or folder on this machine is not in a state ssomagic can use: not yours, a link,
    a file where a folder should be, or not writable. Nothing was read, sent or written."""


class ConfigError(SsoMagicError):
    """The AWS config file is missing something, or says something inconsistent."""

    @classmethod
    def assume_refused(cls, profile: Any, detail: str) -> ConfigError:
        """STS refused a chained profile's AssumeRole as asked (ValidationError): the
        profile's own settings are the cause, and STS's words say which."""
        section = "[default]" if profile.name == "default" else f"[profile {profile.name}]"
        return cls(
            f"AWS STS would not let {profile.source.name} assume {profile.role_arn} for "
            f"profile {profile.name}: {detail.removesuffix('.') or 'ValidationError'}.",
            f"Check role_session_name, duration_seconds and external_id of {section} in your "
            "config.")


class ConfigParseError(ConfigError):
    """The AWS config file cannot be parsed; it is never rewritten in that state."""

    def __init__(self, path: str, line: int | None, detail: str) -> None:
        where = f"{path}, line {line}" if line else path
        super().__init__(
            f"Unable to parse config file: {where}: {detail}.",
            "Fix that line by hand (ssomagic will not rewrite a file it cannot read).",
        )
        self.path = path
        self.line = line


class ConfigBusyError(ConfigError):
    """Another writer kept the config file busy; nothing was written."""


class ProfileNotFoundError(ConfigError):
    pass


class NotAnSsoProfileError(ConfigError):
    pass


class NothingToSignInError(SsoMagicError):
    """A profile whose credentials come from elsewhere: not a failure, a fact to say."""


class NotSignedInError(SsoMagicError):
    """No usable token: never signed in, expired, signed out or revoked."""

    profile: str | None = None  # the profile whose sign-in is missing, when known


class TokenRejectedError(NotSignedInError):
    """The server refused a token that had not expired here: only a new sign-in helps."""


class LoginFailedError(SsoMagicError):
    """The device authorization ended without a token: expired, denied or a server fault."""

    def __init__(self, message: str, hint: str = "", *, reason: str = "error") -> None:
        super().__init__(message, hint)
        self.reason = reason


class LoginCancelledError(LoginFailedError):
    def __init__(self) -> None:
        super().__init__("Sign-in cancelled.", "Run login again when you are ready.",
                         reason="cancelled")


class NoAccessError(SsoMagicError):
    """The portal refused a role that is not assigned to the user (ForbiddenException)."""

    def __init__(self, account_id: str, role: str, available: list[str] | None) -> None:
        if available:
            hint = f"Roles you do have in {account_id}: {', '.join(available)}."
        elif available is not None:
            hint = f"You have no roles in account {account_id}."
        else:
            hint = "Ask your administrator for access, or choose another role."
        super().__init__(f"No access to role {role} in account {account_id}.", hint)
        self.account_id = account_id
        self.role = role
        self.available = available

    @classmethod
    def to_assume(cls, profile: Any) -> NoAccessError:
        """STS refused a chained profile's AssumeRole: the role's trust is the cause."""
        source = profile.source.name
        asks = ("with the profile's external_id" if profile.values.get("external_id")
                else "and the profile must give the external_id it may ask for")
        error = cls(profile.account_id, profile.role_name, None)
        SsoMagicError.__init__(
            error, f"AWS STS did not let {source} assume {profile.role_arn} for profile "
            f"{profile.name} (AccessDenied).",
            f"The role's trust policy must let {source}'s account in, {asks}; ask your "
            "administrator, or check role_arn, source_profile and external_id in your config.")
        return error


class ServiceError(SsoMagicError):
    """AWS answered with an error that retrying did not cure, or could not be reached.

    ``fault`` says whose it is: "network" (unreachable), "service" (busy or failing: trying
    again later helps), "request" (refused: trying again will not help), "clock" (this
    machine's clock is off), "certificate" (this machine does not trust the endpoint's
    certificate: a CA bundle is missing) or "answer" (the reply was not what the API
    promises, often a proxy's page).
    """

    def __init__(self, message: str, hint: str = "", *, code: str | None = None,
                 fault: str = "service") -> None:
        super().__init__(message, hint)
        self.code = code
        self.fault = fault

    @property
    def retry_helps(self) -> bool:
        """Whether the same request may succeed in a moment: only the network's and the
        service's faults pass by themselves."""
        return self.fault in ("network", "service")


class TimedOutError(ServiceError):
    """The user action's deadline passed while AWS kept failing or did not answer."""

    def __init__(self, message: str, hint: str = "", *, code: str | None = None) -> None:
        super().__init__(message, hint, code=code, fault="network")


class ListingIncompleteError(TimedOutError):
    """An org too large to list within one action's deadline at the portal's quota."""

    def __init__(self, service: str, listed: int, found: int, all_found: bool, seconds: float,
                 rate: float | None, code: str | None) -> None:
        from .timing import format_duration

        of = f"{found:,}" if all_found else f"at least {found:,}"
        rest = found - listed
        if rate:
            more = (f"; {service} allows about {rate:.0f} calls a second, so the other "
                    f"{rest:,}{'' if all_found else ' or more'} need about "
                    f"{format_duration(rest / rate)} more")
        else:
            more = f" (last answer: {code})" if code else ""
        super().__init__(
            f"Listed the roles of {listed:,} of {of} accounts in {format_duration(seconds)}{more}.",
            "Populate lists them all while it shows its progress, and every command then "
            f"reuses that listing: {command('populate --dry-run SESSION')}.", code=code)
        self.listed = listed
        self.found = found


class BadAnswerError(ServiceError):
    """A reply that is not what the API promises: a proxy's HTML page, an empty object."""

    def __init__(self, service: str, doing: str, detail: str) -> None:
        service = service[:1].upper() + service[1:]  # "the AWS access portal" starts it
        super().__init__(
            f"{service} answered the request to {doing} with something that is not what the "
            f"API promises ({detail}).",
            "A proxy or a wrong AWS_ENDPOINT_URL_* setting often does this; check them, then "
            "try again.", fault="answer")
