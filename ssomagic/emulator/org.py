"""The organisation an emulator serves: the user, the accounts, and the roles in each.

An org file is JSON so that a demo or a benchmark can describe 300 accounts without code::

    {"user": "ada",
     "accounts": [{"id": "111122223333", "name": "analytics-dev", "email": "dev@example.com",
                   "roles": ["DataScientist", "ReadOnlyAccess"]}],
     "trusted_roles": [{"arn": "arn:aws:iam::555566667777:role/DataReader",
                        "trusted": ["111122223333"], "external_id": "optional"}]}
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    email: str
    roles: tuple[str, ...]


GENERATED_ROLES = ("ReadOnlyAccess", "DataScientist", "AdministratorAccess", "PowerUserAccess")


@dataclass(frozen=True)
class TrustedRole:
    """An IAM role STS lets others assume (role chaining): who its trust policy lets in, by
    account id (any role credentials of that account may assume it), and the sts:ExternalId
    its trust asks for, as a third party's role does."""

    arn: str
    trusted: tuple[str, ...]
    external_id: str | None = None

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Org:
    user: str
    accounts: tuple[Account, ...] = field(default_factory=tuple)
    trusted_roles: tuple[TrustedRole, ...] = field(default_factory=tuple)

    def trusted_role(self, arn: str) -> TrustedRole | None:
        return next((r for r in self.trusted_roles if r.arn == arn), None)

    def account(self, account_id: str) -> Account | None:
        return self._by_id.get(account_id)

    @functools.cached_property
    def _by_id(self) -> dict[str, Account]:
        """Looked up on every role call: a dict, so a 50,000-account org answers at once."""
        return {a.id: a for a in self.accounts}

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
            trusted = tuple(TrustedRole(str(r["arn"]), tuple(str(a) for a in r.get("trusted", ())),
                                        None if r.get("external_id") is None
                                        else str(r["external_id"]))
                            for r in data.get("trusted_roles", ()))
            return cls(user=str(data.get("user", "ada")), accounts=accounts,
                       trusted_roles=trusted)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"org: every account needs an \"id\", every trusted role an "
                             f"\"arn\" ({exc!r})") from None

    @classmethod
    def load(cls, path: str | Path) -> Org:
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))

    @classmethod
    def generated(cls, n_accounts: int, roles: tuple[str, ...] | int = ("ReadOnlyAccess",)
                  ) -> Org:
        """A large synthetic org, for benchmarks and `ssomagic emulator --accounts N`; ``roles``
        names the roles of every account, or says how many of GENERATED_ROLES each has."""
        if isinstance(roles, int):
            roles = tuple(GENERATED_ROLES[i % len(GENERATED_ROLES)] + ("" if i < len(
                GENERATED_ROLES) else str(i // len(GENERATED_ROLES))) for i in range(roles))
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
    # Role chaining: sign in to analytics-dev, then assume a role in the data account (which
    # is not assigned through IAM Identity Center at all), and from there one more.
    trusted_roles=(
        TrustedRole("arn:aws:iam::555566667777:role/DataReader", ("111122223333",)),
        TrustedRole("arn:aws:iam::999900001111:role/Auditor", ("555566667777",)),
        # A vendor's role: its trust asks for the external id the vendor gave.
        TrustedRole("arn:aws:iam::555566667777:role/VendorExport", ("111122223333",),
                    external_id="vendor-7f3a"),
    ),
)
