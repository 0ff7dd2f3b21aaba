"""The organisation an emulator serves: the user, the accounts, and the roles in each.

An org file is JSON so that a demo or a benchmark can describe 300 accounts without code::

    {"user": "ada",
     "accounts": [{"id": "111122223333", "name": "analytics-dev", "email": "dev@example.com",
                   "roles": ["DataScientist", "ReadOnlyAccess"]}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    email: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Org:
    user: str
    accounts: tuple[Account, ...] = field(default_factory=tuple)

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    @classmethod
    def from_dict(cls, data: dict) -> Org:
        try:
            accounts = tuple(
                Account(
                    id=str(a["id"]),
                    name=str(a.get("name", a["id"])),
                    email=str(a.get("email", f"aws+{a['id']}@example.com")),
                    roles=tuple(str(r) for r in a.get("roles", ())),
                )
                for a in data.get("accounts", ())
            )
            return cls(user=str(data.get("user", "ada")), accounts=accounts)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"org: every account needs an \"id\" ({exc!r})") from None

    @classmethod
    def load(cls, path: str | Path) -> Org:
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))

    @classmethod
    def generated(cls, n_accounts: int, roles: tuple[str, ...] = ("ReadOnlyAccess",)) -> Org:
        """A large synthetic org, for benchmarks."""
        return cls(
            user="ada",
            accounts=tuple(
                Account(
                    id=f"{100000000000 + i:012d}",
                    name=f"account-{i:03d}",
                    email=f"aws+{i:03d}@example.com",
                    roles=roles,
                )
                for i in range(n_accounts)
            ),
        )


DEFAULT_ORG = Org(
    user="ada",
    accounts=(
        Account("111122223333", "analytics-dev", "analytics-dev@example.com",
                ("DataScientist", "ReadOnlyAccess")),
        Account("444455556666", "analytics-prod", "analytics-prod@example.com",
                ("ReadOnlyAccess",)),
        Account("777788889999", "sandbox", "sandbox@example.com",
                ("AdministratorAccess", "DataScientist")),
    ),
)
