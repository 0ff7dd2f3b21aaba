"""A link that opens the AWS console as a profile's account and role, the request the AWS CLI
has had open since 2019.

By default the access portal's own shortcut link for the account and role: no credential in
the URL, the browser's portal sign-in does the rest, so it may be shown anywhere. With
``federated``, a federation sign-in link made from the role credentials (getSigninToken,
through botocore's HTTP stack): it signs the browser in by itself, so it is a credential for
15 minutes, to be opened and never written into a notebook output.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from ..aws import clients, gateway
from ..config.read import Profile
from ..errors import BadAnswerError, ConfigError, ServiceError
from ..runtime import Runtime

FEDERATION = "https://signin.aws.amazon.com/federation"
CONSOLE = "https://console.aws.amazon.com"
ISSUER = "ssomagic"


def destination_url(destination: str | None, region: str | None) -> str:
    """`s3`, `ec2`... as the console's page for that service, or a console URL as given."""
    if not destination:
        base = f"{CONSOLE}/console/home"
    elif destination.startswith("https://"):
        return destination
    else:
        base = f"{CONSOLE}/{quote(destination.strip('/'))}/home"
    return base + (f"?region={quote(region)}" if region else "")


def portal_link(profile: Profile, destination: str | None = None) -> str:
    """The access portal's shortcut: ``{start URL}/#/console?account_id=&role_name=``."""
    root = profile.root
    if not root.has_role or profile.role_arn is not None:
        raise ConfigError(f"{profile.name} is not an IAM Identity Center role, so the access "
                          "portal has no shortcut for it.",
                          "Use --federated, or a profile with sso_account_id and "
                          "sso_role_name.")
    query = {"account_id": root.account_id or "", "role_name": root.role_name or ""}
    if destination:
        query["destination"] = destination_url(destination, profile.region)
    return f"{root.sso.start_url.rstrip('/')}/#/console?{urlencode(query)}"


def federated_link(profile: Profile, runtime: Runtime, destination: str | None = None) -> str:
    """A console sign-in link from the profile's credentials (15 minutes): a credential."""
    with gateway.action(runtime):  # the role credentials and the sign-in token: one minute
        return _federated_link(profile, runtime, destination)


def _federated_link(profile: Profile, runtime: Runtime, destination: str | None) -> str:
    from botocore.awsrequest import AWSRequest

    from ..aws.boto_session import session_for

    frozen = session_for(profile, runtime).get_credentials().get_frozen_credentials()
    base = runtime.environ.get("AWS_ENDPOINT_URL_SIGNIN", FEDERATION).rstrip("/")
    if not base.endswith("/federation"):
        base += "/federation"
    session = json.dumps({"sessionId": frozen.access_key, "sessionKey": frozen.secret_key,
                          "sessionToken": frozen.token})
    target = gateway.Target("signin", profile.region or profile.sso.region, profile.sso.label,
                            profile.name)
    doing = "give a console sign-in token"
    # POSTed, form-encoded (the endpoint takes both): in a URL, the keys would reach every
    # log that records request lines, urllib3's DEBUG records among them.
    request = AWSRequest("POST", base, data=urlencode(
        {"Action": "getSigninToken", "Session": session}),
        headers={"Content-Type": "application/x-www-form-urlencoded"})

    http = clients.http_session(base, profile.name, config_file=runtime.config_file)

    def send() -> object:
        answer = http.send(request.prepare())
        if answer.status_code != 200:
            raise ServiceError(f"{target.service_title} refused to {doing} "
                               f"(HTTP {answer.status_code}).",
                               "The role may not allow console access; try the portal link "
                               "(without --federated).", code=str(answer.status_code),
                               fault="request")
        return answer.content

    body = gateway.call(send, {}, doing=doing, target=target, runtime=runtime)
    try:
        token = json.loads(body)["SigninToken"]
    except (ValueError, KeyError, TypeError):
        raise BadAnswerError(target.service_name, doing,
                             "no SigninToken") from None
    return f"{base}?" + urlencode({"Action": "login", "Issuer": ISSUER,
                                   "Destination": destination_url(destination,
                                                                  profile.region),
                                   "SigninToken": token})
