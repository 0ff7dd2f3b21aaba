"""The one rule for naming a new profile: `aws configure sso`'s own, ``{role}-{account id}``
(DataScientist-111122223333). `%sso use ACCOUNT/ROLE`, the wizard, the console's configure and
populate all name a new profile so, so one role never gets two names; a role that already has
a profile keeps it. populate's ``--template`` can choose another pattern for its own."""

from __future__ import annotations

import re

DEFAULT_TEMPLATE = "{role_name}-{account_id}"
FIELDS = {"account_name", "account_id", "role_name", "session"}


def sanitise(name: str) -> str:
    """What the AWS CLI accepts in `[profile NAME]`: no spaces, brackets or quotes."""
    cleaned = re.sub(r"[^A-Za-z0-9_.@+-]+", "-", name).strip("-")
    return re.sub(r"-{2,}", "-", cleaned) or "profile"


def profile_name(role: str, account_id: str, *, account_name: str | None = None,
                 session: str = "", template: str = DEFAULT_TEMPLATE) -> str:
    return sanitise(template.format(role_name=role, account_id=account_id,
                                    account_name=account_name or account_id, session=session))
