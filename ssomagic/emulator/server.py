"""HTTP front of the emulator: the wire formats of sso-oidc, the portal and STS on one port.

One port serves all three services because their paths do not collide; point
AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_SSO and AWS_ENDPOINT_URL_STS at it and unmodified
boto3 and AWS CLI v2 talk to it. Paths under /_emulator/ are a control API for tests.
"""

from __future__ import annotations

import html
import json
import socket
import ssl
import struct
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import sigv4
from .faults import Garbage, Hollow, Misshapen, Reset
from .org import DEFAULT_ORG, Org
from .state import ApiError, IdentityCenter, Settings

_OIDC_ROUTES = {
    "/client/register": "RegisterClient",
    "/device_authorization": "StartDeviceAuthorization",
    "/token": "CreateToken",
}
_PORTAL_ROUTES = {
    ("GET", "/assignment/accounts"): "ListAccounts",
    ("GET", "/assignment/roles"): "ListAccountRoles",
    ("GET", "/federation/credentials"): "GetRoleCredentials",
    ("POST", "/logout"): "Logout",
}
_STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"



def _xml(value: Any) -> str:
    if isinstance(value, dict):
        return "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in value.items())
    return html.escape(str(value))


def _sts_result(name: str, body: Any) -> str:
    """An STS answer holding ``body`` as its result's elements (a dict becomes nested
    elements): the shape a misshapen fault gives, in STS's own XML."""
    return (f'<{name}Response xmlns="{_STS_NS}"><{name}Result>{_xml(body)}</{name}Result>'
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            f"</{name}Response>")

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Head and body go out in one write below; without this, Nagle plus delayed ACK costs ~40 ms
    # a request on keep-alive connections.
    disable_nagle_algorithm = True
    server: _Server
    _held: list[bytes] | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # ---- plumbing ------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
                 f"Content-Type: {content_type}", f"Content-Length: {len(body)}",
                 f"x-amzn-RequestId: {uuid.uuid4()}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        response = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        if self._held is not None:
            self._held.append(response)
        else:
            self.wfile.write(response)

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _body(self) -> bytes:
        return self._raw_body

    def _body_json(self) -> dict[str, Any]:
        raw = self._body()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            raise ApiError("InvalidRequestException", 400, "Body is not JSON",
                           oauth_error="invalid_request") from None
        if not isinstance(data, dict):
            raise ApiError("InvalidRequestException", 400, "Body is not a JSON object",
                           oauth_error="invalid_request")
        return data

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        # Read the whole body first, whatever the answer: an unread body on a keep-alive
        # connection would be taken for the next request.
        length = int(self.headers.get("Content-Length") or 0)
        self._raw_body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path.rstrip("/") or "/"
        try:
            if path.startswith("/_emulator/"):
                self._control(method, path[len("/_emulator/"):], query)
            elif path in ("/device", "/device/decide"):
                self._verification_page(method, path, query)
            elif path in ("/authorize", "/authorize/decide"):
                self._authorize_page(method, path, query)
            elif path == "/federation":
                if method == "POST":
                    query = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
                self._federation(query)
            elif method == "POST" and path in _OIDC_ROUTES:
                self._operation(_OIDC_ROUTES[path], self._oidc, path)
            elif (method, path) in _PORTAL_ROUTES:
                self._operation(_PORTAL_ROUTES[(method, path)], self._portal, path, query)
            elif method == "POST" and path == "/":
                action = parse_qs(self._raw_body.decode(errors="replace")).get("Action", [""])
                self._operation("AssumeRole" if action[-1] == "AssumeRole"
                                else "GetCallerIdentity", self._sts)
            else:
                self._json(404, {"message": f"No route for {method} {path}"},
                           {"x-amzn-ErrorType": "ResourceNotFoundException"})
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # a bug here must still answer, as a real service would
            self._json(500, {"message": f"Emulator error: {type(exc).__name__}: {exc}"},
                       {"x-amzn-ErrorType": "InternalServerException"})

    def _operation(self, name: str, handler: Any, *args: Any) -> None:
        agent = self.headers.get("User-Agent", "")
        # The answer is held until the request is in the log, so a client that has its answer
        # always finds its request there (tests count requests right after a call returns).
        state, self._held = self.server.state, []
        try:
            latency = state.before(name)
            if latency:
                time.sleep(latency)
            handler(name, *args)
            state.record(name, 200, agent=agent)
        except Reset:
            state.record(name, 0, "reset", agent=agent)
            self._held = None
            # Linger 0: closing sends a TCP RST instead of a FIN, as a dropped connection does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
        except Garbage:
            state.record(name, 200, "garbage", agent=agent)
            self._held = None
            self._send(200, b"<html><body>Please sign in to the proxy</body></html>",
                       "text/html")
        except Hollow:
            state.record(name, 200, "hollow", agent=agent)
            self._held = None
            self._send(200, b"{}", "application/json")
        except Misshapen as misshapen:
            state.record(name, 200, "misshapen", agent=agent)
            self._held = None
            if name in ("GetCallerIdentity", "AssumeRole"):  # STS speaks XML
                self._send(200, _sts_result(name, misshapen.body).encode(), "text/xml")
            else:
                self._send(200, json.dumps(misshapen.body).encode(), "application/json")
        except ApiError as err:
            if err.delay:
                time.sleep(err.delay)
            state.record(name, err.status, err.code, agent=agent)
            self._held = None
            if name in ("GetCallerIdentity", "AssumeRole"):
                self._sts_error(err)
            elif err.oauth_error is not None and name in _OIDC_ROUTES.values():
                self._json(err.status, {"error": err.oauth_error,
                                        "error_description": err.message},
                           {"x-amzn-ErrorType": err.code})
            else:
                self._json(err.status, {"message": err.message}, {"x-amzn-ErrorType": err.code})
        finally:
            held, self._held = self._held or [], None
            for response in held:
                self.wfile.write(response)

    # ---- services ------------------------------------------------------------------------

    def _oidc(self, name: str, path: str) -> None:
        state, body = self.server.state, self._body_json()
        if name == "RegisterClient":
            self._json(200, state.register_client(body))
        elif name == "StartDeviceAuthorization":
            self._json(200, state.start_device_authorization(body, self.server.base_url))
        else:
            self._json(200, state.create_token(body))

    def _portal(self, name: str, path: str, query: dict[str, str]) -> None:
        state, token = self.server.state, self.headers.get("x-amz-sso_bearer_token")
        if name == "ListAccounts":
            self._json(200, state.list_accounts(token, query))
        elif name == "ListAccountRoles":
            self._json(200, state.list_account_roles(token, query))
        elif name == "GetRoleCredentials":
            self._json(200, state.get_role_credentials(token, query))
        else:
            self._json(200, state.logout(token))

    def _sts(self, name: str) -> None:
        form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
        if form.get("Action") not in ("GetCallerIdentity", "AssumeRole"):
            raise ApiError("InvalidAction", 400,
                           f"Could not find operation {form.get('Action')} for version 2011-06-15")
        access_key = sigv4.access_key_of(self.headers.get("Authorization", ""))
        if access_key is None:
            raise ApiError("MissingAuthenticationToken", 403,
                           "Request is missing Authentication Token")
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.state.check_signing_time(headers.get("x-amz-date", ""))

        def signed_with(secret: str) -> bool:
            return sigv4.is_valid("POST", url.path, url.query, headers, self._raw_body, secret)

        if form["Action"] == "AssumeRole":
            found = self.server.state.assume_role(
                access_key, headers.get("x-amz-security-token"), signed_with, form)
            creds = "".join(f"<{k}>{html.escape(found[k])}</{k}>" for k in (
                "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"))
            xml = (f'<AssumeRoleResponse xmlns="{_STS_NS}"><AssumeRoleResult><Credentials>'
                   f"{creds}</Credentials><AssumedRoleUser><AssumedRoleId>"
                   f"{html.escape(found['AssumedRoleId'])}</AssumedRoleId><Arn>"
                   f"{html.escape(found['Arn'])}</Arn></AssumedRoleUser></AssumeRoleResult>"
                   f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId>"
                   f"</ResponseMetadata></AssumeRoleResponse>")
            self._send(200, xml.encode(), "text/xml")
            return
        identity = self.server.state.caller_identity(
            access_key, headers.get("x-amz-security-token"), signed_with)
        result = "".join(f"<{k}>{html.escape(v)}</{k}>" for k, v in identity.items())
        xml = (f'<GetCallerIdentityResponse xmlns="{_STS_NS}"><GetCallerIdentityResult>{result}'
               f"</GetCallerIdentityResult><ResponseMetadata><RequestId>{uuid.uuid4()}"
               f"</RequestId></ResponseMetadata></GetCallerIdentityResponse>")
        self._send(200, xml.encode(), "text/xml")

    def _sts_error(self, err: ApiError) -> None:
        kind = "Receiver" if err.status >= 500 else "Sender"
        xml = (f'<ErrorResponse xmlns="{_STS_NS}"><Error><Type>{kind}</Type><Code>{err.code}'
               f"</Code><Message>{html.escape(err.message)}</Message></Error>"
               f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
        self._send(err.status, xml.encode(), "text/xml")

    # ---- the page a person sees ----------------------------------------------------------

    def _verification_page(self, method: str, path: str, query: dict[str, str]) -> None:
        state = self.server.state
        if method == "POST":
            form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
            code = form.get("user_code", "")
            try:
                outcome = state.decide(code, approve=form.get("decision") == "approve")
            except KeyError:
                outcome = "unknown"
            messages = {
                "approved": ("Request approved",
                             "You can close this tab and return to your notebook."),
                "denied": ("Request denied", "The notebook will report that access was refused."),
                "expired": ("Code expired", "Start the sign-in again to get a new code."),
                "consumed": ("Already used", "This code has already signed someone in."),
                "unknown": ("Unknown code", "Check the code shown in your notebook and try again."),
            }
            title, text = messages.get(outcome, (outcome, ""))
            self._page(title, f'<p class="result" data-outcome="{outcome}">{text}</p>')
            return
        code = query.get("user_code", "")
        found = state.lookup(code) if code else None
        if found is None or found["status"] != "pending":
            note = "" if not code else (
                f"<p>Code {html.escape(code)} is {found['status'] if found else 'unknown'}.</p>")
            self._page("Authorize request", note + (
                '<form method="get" action="/device"><label>Code '
                '<input name="user_code" autofocus></label> <button>Next</button></form>'))
            return
        user_code = html.escape(found["user_code"])
        self._page("Authorize request", (
            f"<p>An application asks to sign in as <b>{html.escape(self.server.state.org.user)}</b>"
            f" to {html.escape(found['start_url'])}.</p>"
            f'<p>Confirm that this code matches the one shown in your notebook:</p>'
            f'<p class="user-code">{user_code}</p>'
            f'<form method="post" action="/device/decide">'
            f'<input type="hidden" name="user_code" value="{user_code}">'
            f'<button name="decision" value="approve" class="approve">Allow access</button> '
            f'<button name="decision" value="deny" class="deny">Deny</button></form>'))

    def _authorize_page(self, method: str, path: str, query: dict[str, str]) -> None:
        """PKCE: the consent page the browser is sent to, and the redirect back."""
        state = self.server.state
        if method == "POST":
            form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
            try:
                location = state.authorize_decide(form.get("request", ""),
                                                  form.get("decision") == "approve")
            except KeyError:
                self._page("Request expired", "<p>Start the sign-in again.</p>")
                return
            self._send(302, b"", "text/plain", {"Location": location})
            return
        try:
            request_id = state.authorize_request(query)
        except ApiError as err:
            self._page("Cannot sign in", f"<p>{html.escape(err.message)} ({err.code}).</p>")
            return
        self._page("Authorize request", (
            f"<p>An application asks to sign in as <b>{html.escape(state.org.user)}</b>.</p>"
            '<form method="post" action="/authorize/decide">'
            f'<input type="hidden" name="request" value="{html.escape(request_id)}">'
            '<button name="decision" value="approve" class="approve">Allow access</button> '
            '<button name="decision" value="deny" class="deny">Deny</button></form>'))

    def _federation(self, query: dict[str, str]) -> None:
        """The console's federation endpoint: a sign-in token for role credentials the
        emulator issued, and the login it leads to."""
        state = self.server.state
        if query.get("Action") == "getSigninToken":
            try:
                session = json.loads(query.get("Session", ""))
                token = state.signin_token(str(session["sessionId"]),
                                           str(session["sessionToken"]),
                                           str(session["sessionKey"]))
            except (ValueError, KeyError, TypeError, ApiError):
                self._json(400, {"message": "Invalid session"})
                return
            self._json(200, {"SigninToken": token})
        elif query.get("Action") == "login":
            found = state.signin(query.get("SigninToken", ""))
            if found is None:
                self._page("Sign-in link expired", "<p>Get a new link.</p>")
                return
            self._page("AWS Management Console", f"<p class=\"console\">Signed in to the "
                       f"console as {html.escape(found)}.</p>")
        else:
            self._json(400, {"message": "Unknown Action"})

    def _page(self, title: str, content: str) -> None:
        doc = f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;color:#232f3e}}
.user-code{{font:600 2rem ui-monospace,monospace;letter-spacing:.2em}}
button{{font-size:1rem;padding:.5rem 1.2rem}} .approve{{background:#ff9900;border:0}}
.banner{{color:#687078;font-size:.85rem}}</style></head><body>
<p class="banner">ssomagic emulator &middot; IAM Identity Center</p><h1>{title}</h1>{content}
</body></html>"""
        self._send(200, doc.encode(), "text/html; charset=utf-8")

    # ---- control API ---------------------------------------------------------------------

    def _control(self, method: str, action: str, query: dict[str, str]) -> None:
        state = self.server.state
        body = self._body_json() if method == "POST" else {}
        try:
            if action == "state":
                self._json(200, state.snapshot())
            elif action == "requests":
                self._json(200, state.requests(query.get("operation")))
            elif action == "pending":
                self._json(200, state.pending_user_codes())
            elif action == "secrets":
                self._json(200, state.issued_secrets())
            elif action in ("approve", "deny") and method == "POST":
                code = body.get("user_code") or next(iter(state.pending_user_codes()), "")
                self._json(200, {"user_code": code,
                                 "status": state.decide(code, approve=action == "approve")})
            elif action == "revoke" and method == "POST" and body.get("tokens", True) is False:
                self._json(200, {"revoked": state.revoke_role_credentials()})
            elif action == "revoke" and method == "POST":
                self._json(200, {"revoked": state.revoke_tokens(
                    role_credentials=bool(body.get("role_credentials")))})
            elif action == "authorize" and method == "POST":
                self._json(200, {"location": state.authorize(
                    str(body.get("url", "")), body.get("decision", "approve") == "approve")})
            elif action == "forget-clients" and method == "POST":
                state.forget_clients()
                self._json(200, {})
            elif action == "faults" and method == "POST":
                for operation, spec in body.items():
                    state.set_fault(operation, **spec)
                self._json(200, state.snapshot()["faults"])
            elif action == "faults" and method == "DELETE":
                state.clear_faults()
                self._json(200, {})
            elif action == "settings" and method == "POST":
                state.update_settings(**body)
                self._json(200, state.snapshot()["settings"])
            else:
                self._json(404, {"message": f"No control action {method} {action}"})
        except (KeyError, ValueError, TypeError) as exc:
            self._json(400, {"message": str(exc)})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    state: IdentityCenter
    base_url: str

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ssl.SSLError):
            return  # a client that does not trust the certificate hung up: its error to tell
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class Emulator:
    """An IAM Identity Center on loopback. Use as a context manager, or start() and stop()."""

    def __init__(self, org: Org | None = None, settings: Settings | None = None, *,
                 host: str = "127.0.0.1", port: int = 0, seed: int | None = None,
                 clock: Callable[[], float] = time.time,
                 tls: ssl.SSLContext | None = None) -> None:
        """``tls`` serves HTTPS with that context's certificate, as the service does: for a
        client's CA bundle (a network that inspects TLS, a private CA) to be tried."""
        self.state = IdentityCenter(org=org or DEFAULT_ORG, settings=settings or Settings(),
                                    clock=clock, seed=seed)
        server_class = _Server6 if ":" in host else _Server
        self._server = server_class((host, port), _Handler)
        if tls is not None:
            # The handshake happens in the request's own thread, on its first read: a client
            # that stalls or refuses the certificate holds up no other request.
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True,
                                                  do_handshake_on_connect=False)
        self._server.state = self.state
        address = self._server.server_address
        bound_host, bound_port = str(address[0]), address[1]
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        self.url = f"{'https' if tls else 'http'}://{shown}:{bound_port}"
        self._server.base_url = self.url
        self._thread: threading.Thread | None = None

    def endpoint_env(self) -> dict[str, str]:
        """The variables that point botocore (and so ssomagic and the AWS CLI) at this emulator."""
        return {
            "AWS_ENDPOINT_URL_SSO_OIDC": self.url,
            "AWS_ENDPOINT_URL_SSO": self.url,
            "AWS_ENDPOINT_URL_STS": self.url,
        }

    def start(self) -> Emulator:
        # A short poll interval makes stop() quick, which matters for a test suite that
        # starts an emulator per test.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="ssomagic-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Shortcuts for tests, the same as the control API.
    def approve(self, user_code: str | None = None) -> str:
        return self.state.decide(user_code or self._only_pending(), approve=True)

    def deny(self, user_code: str | None = None) -> str:
        return self.state.decide(user_code or self._only_pending(), approve=False)

    def _only_pending(self) -> str:
        pending = self.state.pending_user_codes()
        if len(pending) != 1:
            raise LookupError(f"expected one pending user code, found {pending}")
        return pending[0]
