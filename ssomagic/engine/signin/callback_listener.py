"""The loopback listener a one-click (PKCE) sign-in comes back to: the browser is redirected to
http://127.0.0.1:PORT/oauth/callback?code=...&state=... after Allow.

Safer than the AWS CLI's: bound to 127.0.0.1 only (the CLI binds every interface), a random
port, and only a request to /oauth/callback with the state this sign-in made is taken; any
other (a wrong or missing state, another path) gets an error page and changes nothing, so a
page elsewhere cannot end or hijack the sign-in. The first good answer, code or error, ends
it; the listener closes at every end. The browser's page comes from the front end's renderer.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CALLBACK_PATH = "/oauth/callback"

# (title, text) -> the HTML page the browser shows; escaping is the renderer's.
Page = Callable[[str, str], str]


@dataclass(frozen=True)
class Callback:
    """What came back: a code, or the authorization server's error."""

    code: str | None = field(default=None, repr=False)
    error: str | None = None
    description: str | None = None


def parse(url: str, state: str) -> Callback | None:
    """The answer in a callback URL, if its state is this sign-in's (else None)."""
    parts = urlsplit(url.strip())
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.path.rstrip("/") != CALLBACK_PATH or not hmac.compare_digest(
            query.get("state", ""), state):
        return None
    if query.get("error"):
        return Callback(error=query["error"], description=query.get("error_description"))
    if query.get("code"):
        return Callback(code=query["code"])
    return None


class CallbackListener:
    def __init__(self, state: str, page: Page) -> None:
        self._state = state
        self._page = page
        self._done = threading.Event()
        self.answer: Callback | None = None
        self._server = HTTPServer(("127.0.0.1", 0), self._handler())
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="ssomagic-pkce-callback", daemon=True)

    def __repr__(self) -> str:
        return f"CallbackListener(port={self.port}, answered={self.answer is not None})"

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def start(self) -> CallbackListener:
        self._thread.start()
        return self

    def offer(self, url: str) -> bool:
        """An answer pasted by hand (the browser could not reach this machine): taken as a
        request to the listener would be, if its state is ours."""
        found = parse(url, self._state)
        if found is None or self._done.is_set():
            return False
        self.answer = found
        self._done.set()
        return True

    def wait(self, seconds: float) -> bool:
        return self._done.wait(seconds)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line holds the code: it goes to no log

            def do_GET(self) -> None:
                found = parse(self.path, listener._state)
                if found is None or listener._done.is_set():
                    self._answer(400, "This is not the sign-in ssomagic is waiting for",
                                 "Nothing was signed in by this page. Start the sign-in from "
                                 "your notebook or terminal again if it is still waiting.")
                    return
                listener.answer = found
                listener._done.set()
                if found.error:
                    self._answer(200, "Not signed in",
                                 f"IAM Identity Center answered {found.error}. You can close "
                                 "this tab.")
                else:
                    self._answer(200, "Signed in", "You are signed in to AWS. You can close "
                                 "this tab and go back to your notebook or terminal.")

            def _answer(self, status: int, title: str, text: str) -> None:
                body = listener._page(title, text).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        return Handler
