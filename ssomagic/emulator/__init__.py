"""A local IAM Identity Center (sso-oidc, portal, STS) for tests and demos with no AWS account."""

from .org import DEFAULT_ORG, Account, Org, TrustedRole
from .server import Emulator
from .state import OPERATIONS, IdentityCenter, Settings

__all__ = ["DEFAULT_ORG", "OPERATIONS", "Account", "Emulator", "IdentityCenter", "Org", "Settings",
           "TrustedRole"]
