"""Checking an AWS Signature Version 4, so the emulator's STS refuses a wrong secret key or
session token the way AWS does, instead of trusting the access key id alone."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<scope>[^,]+), "
                   r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<signature>[0-9a-f]+)")


def access_key_of(authorization: str) -> str | None:
    match = _AUTH.match(authorization or "")
    return match.group("key") if match else None


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def is_valid(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes,
             secret_key: str) -> bool:
    """Recompute the request's signature with ``secret_key`` and compare.

    ``headers`` is keyed by lower-case name, as SignedHeaders names them.
    """
    match = _AUTH.match(headers.get("authorization", ""))
    amz_date = headers.get("x-amz-date", "")
    if match is None or not amz_date:
        return False
    signed = match.group("signed").split(";")
    if any(headers.get(name) is None for name in signed):
        return False
    canonical_headers = "".join(f"{name}:{' '.join(headers[name].split())}\n"
                                for name in signed)
    canonical_query = "&".join(sorted(query.split("&"))) if query else ""
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join([method, path or "/", canonical_query, canonical_headers,
                           ";".join(signed), payload])
    scope = match.group("scope")
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = f"AWS4{secret_key}".encode()
    for part in scope.split("/"):
        key = _hmac(key, part)
    expected = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match.group("signature"))
