"""Errors a user can act on: each says what went wrong and then what to do about it.

The text never carries a token, a client secret or a key, so an error can be shown in a
notebook, logged or printed by the console as it is.
"""

from __future__ import annotations


class SsoMagicError(Exception):
    """Base of every error ssomagic raises on purpose."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message if not hint else f"{message} {hint}")
        self.message = message
        self.hint = hint


class ConfigError(SsoMagicError):
    """The AWS config file is missing something, or says something inconsistent."""


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


class ProfileNotFoundError(ConfigError):
    pass


class NotAnSsoProfileError(ConfigError):
    pass


class NotSignedInError(SsoMagicError):
    """No usable token: never signed in, expired, signed out or revoked."""


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


class ServiceError(SsoMagicError):
    """IAM Identity Center answered with an error that retrying did not cure."""
