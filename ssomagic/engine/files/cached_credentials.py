"""Role credentials as the AWS CLI caches them in ~/.aws/cli/cache, read without botocore: the
file's name (botocore's SSOCredentialFetcher key) and when cached credentials may be reused.
One home for that rule: boto3 sessions (role_credentials.py) and the fast
`ssomagic export-credentials` both read through here."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..config.read import Profile, SsoSession
from ..runtime import Runtime
from ..timing import REFRESH_WINDOW
from . import trust

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def credentials_cache_key(account_id: str, role_name: str, session: SsoSession) -> str:
    """The name botocore's SSOCredentialFetcher gives a profile's cached role credentials."""
    args: dict[str, str] = {"roleName": role_name, "accountId": account_id}  # botocore's order
    if session.name:
        args["sessionName"] = session.name
    else:
        args["startUrl"] = session.start_url
    text = json.dumps(args, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def path_for(profile: Profile, runtime: Runtime) -> Path:
    assert profile.account_id and profile.role_name
    return runtime.cli_cache_dir / (
        credentials_cache_key(profile.account_id, profile.role_name, profile.sso) + ".json")


def _when(text: str) -> datetime:
    try:  # what the CLI and ssomagic write; anything else through botocore's own parser
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        from .token_cache import parse_time

        return parse_time(text)


def expiry_iso(text: str) -> str:
    """The Expiration of `aws configure export-credentials`: ISO 8601 with the offset."""
    return _when(text).isoformat()


def cached(profile: Profile, runtime: Runtime) -> dict[str, Any] | None:
    """botocore's credential metadata (access_key, secret_key, token, expiry_time) when the
    cache holds credentials with more than 15 minutes left that were fetched after the current
    sign-in (a new sign-in is often the cure for bad credentials); else None."""
    path = path_for(profile, runtime)
    token_file = runtime.sso_cache_dir / f"{profile.sso.cache_key}.json"
    trust.require(path.parent, runtime, "cached role credentials")
    trust.not_a_link(path, "cached role credentials")
    try:
        if path.stat().st_mtime_ns < token_file.stat().st_mtime_ns:
            return None
        document = json.loads(trust.read_text(path))
        creds = document["Credentials"]
        expiration = _when(creds["Expiration"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if document.get("ProviderType") != "sso" or (
            expiration - runtime.now() <= REFRESH_WINDOW):
        return None
    return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"], "expiry_time": creds["Expiration"]}
