"""Start URLs and their regions, as AWS CLI 2.36 reads them (`resolve_start_url`).

A newcomer gets a start URL and maybe a region. Newer start URLs carry the region in the host
(`{instance}.portal.{region}.app.aws`); `d-xxxxxxxxxx.awsapps.com/start` does not; a vanity URL
on an organisation's own host redirects once to an AWS host that may. Everything here is checked
before anything is written, each fault with one line that says what to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from ..errors import ConfigError

# Hosts owned by AWS: a start URL elsewhere is a vanity URL, resolved by one request.
AWS_HOST_SUFFIXES = (".awsapps.com", ".awsapps.cn", ".app.aws", ".portal.amazonaws.com",
                     ".portal.amazonaws.com.cn", ".app.amazonwebservices.com.cn",
                     ".portal.amazonaws.eu", ".api.amazonwebservices.eu")
AWS_HOSTS = ("identitycenter.amazonaws.com", "identitycenter.amazonaws.com.cn",
             "identitycenter.amazonaws.eu", "identitycenter.us-gov.amazonaws.com")
# Two letters and more: the European Sovereign Cloud's are eusc-de-east-1 and the like.
_REGION = r"(?P<region>[a-z]{2,4}(?:-[a-z]+)+-\d+)"
REGION_IN_HOST = tuple(re.compile(p) for p in (
    rf"^[^.]+\.portal\.{_REGION}\.app\.aws$",
    rf"^[^.]+\.{_REGION}\.portal\.amazonaws\.(?:com|com\.cn|eu)$",
    rf"^portal\.{_REGION}\.app\.amazonwebservices\.com\.cn$",
    rf"^portal\.{_REGION}\.api\.amazonwebservices\.eu$",
))
DEFAULT_SCOPES = ("sso:account:access",)
SESSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+@-]*")
# Host labels that say nothing about whose start URL it is.
_GENERIC_LABELS = {"sso", "start", "login", "portal", "www", "signin", "aws", "identitycenter"}


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_aws_host(name: str) -> bool:
    return name in AWS_HOSTS or name.endswith(AWS_HOST_SUFFIXES)


def region_in_host(name: str) -> str | None:
    for pattern in REGION_IN_HOST:
        found = pattern.match(name)
        if found:
            return found["region"]
    return None


def check_start_url(url: str) -> str:
    """The start URL, stripped, if it is https with a host; else one line saying what to fix."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError(f"The start URL {url!r} is not an https address with a host.",
                          "Use the AWS access portal URL your administrator gave you, such as "
                          "https://d-1234567890.awsapps.com/start.")
    return url


@lru_cache(maxsize=1)
def _known_regions() -> frozenset[str]:
    import botocore.loaders

    partitions = botocore.loaders.create_loader().load_data("partitions")["partitions"]
    return frozenset(r for p in partitions for r in p["regions"] if not r.endswith("-global"))


def check_region(region: str, flag: str = "--region") -> str:
    region = region.strip()
    if region not in _known_regions():
        raise ConfigError(f"{region!r} is not an AWS region.",
                          f"Give the region of your IAM Identity Center with {flag}, such as "
                          "us-east-1 or eu-west-1.")
    return region


def check_session_name(name: str) -> str:
    if not SESSION_NAME.fullmatch(name):
        raise ConfigError(f"{name!r} cannot be an sso-session name.",
                          "Use letters, digits, '-', '_' or '.', with no spaces, as in "
                          "[sso-session my-company].")
    return name


def session_name_for(url: str) -> str:
    """A readable sso-session name from the start URL: the organisation's part of the host."""
    labels = [label for label in host(url).split(".") if label]
    for label in labels:
        if label not in _GENERIC_LABELS:
            name = re.sub(r"[^A-Za-z0-9_.-]", "-", label).strip("-")
            if name:
                return name
    return "sso"


Head = Callable[[str], tuple[int, str | None]]  # url -> (status, Location header)


@dataclass(frozen=True)
class ResolvedStartUrl:
    start_url: str  # as given, and as written to the config
    resolved: str  # where a vanity URL leads; the start URL itself otherwise
    region: str | None  # from the host, when it says


def resolve(url: str, *, head: Head | None = None) -> ResolvedStartUrl:
    """The region a start URL implies; a vanity URL is followed, once, as the CLI does."""
    url = check_start_url(url)
    name = host(url)
    if is_aws_host(name):
        return ResolvedStartUrl(url, url, region_in_host(name))
    status, location = (head or http_head)(url)
    if status not in (301, 302, 303, 307, 308) or not location:
        raise ConfigError(f"The start URL {url} is not on an AWS host and does not redirect "
                          f"to one (it answered {status}).",
                          "Check the URL, or use the awsapps.com address your administrator "
                          "gave you.")
    target = check_start_url(location)
    if not is_aws_host(host(target)):
        raise ConfigError(f"The start URL {url} redirects to {host(target)}, which is not an "
                          "AWS sign-in host.", "Ask your administrator for the start URL.")
    return ResolvedStartUrl(url, target, region_in_host(host(target)))


def region_for(url: str, given: str | None = None, *, known: str | None = None,
               head: Head | None = None) -> str:
    """The one region rule, for configure and the onboarding generator alike: the region
    given; else the one the start URL says (after a vanity URL's redirect); else ``known``
    (the session's, on a re-run); else one line asking for it."""
    if given is not None:
        return check_region(given)
    found = resolve(url, head=head).region or known
    if not found:
        raise ConfigError(f"The start URL {url} does not say which region its IAM Identity "
                          "Center is in.",
                          "Give it with --region (your administrator knows it; it is often "
                          "us-east-1).")
    return check_region(found)


def http_head(url: str) -> tuple[int, str | None]:
    """One HEAD (GET when HEAD is refused) through botocore's HTTP stack, so proxies and CA
    bundles apply as for every AWS call; redirects are not followed."""
    from botocore.awsrequest import AWSRequest
    from botocore.exceptions import BotoCoreError
    from botocore.httpsession import URLLib3Session

    from ..timing import CONNECT_TIMEOUT, READ_TIMEOUT

    session = URLLib3Session(timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    try:
        for method in ("HEAD", "GET"):
            response = session.send(AWSRequest(method=method, url=url).prepare())
            if response.status_code not in (405, 501):
                break
    except BotoCoreError as exc:
        raise ConfigError(f"Could not reach {host(url)} to find its region "
                          f"({type(exc).__name__}).",
                          "Check the network, or give the region with --region.") from None
    finally:
        session.close()
    return response.status_code, response.headers.get("Location")
