"""One-click sign-in (the authorization code flow with PKCE), as AWS CLI 2.22+ signs in: the
registration shared with the CLI, the loopback listener and its refusals, the emulator's
authorize page, the choice of flow by where the browser is, and the console."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from helpers import START_URL, live_runtime, short_sleep

from ssomagic import api
from ssomagic.emulator import Org
from ssomagic.engine.config.read import SsoSession, load_config
from ssomagic.engine.errors import LoginCancelledError, LoginFailedError
from ssomagic.engine.events import BrowserSignIn
from ssomagic.engine.files.token_cache import TokenCache, registration_key
from ssomagic.engine.runtime import Runtime
from ssomagic.engine.signin import pkce_flow
from ssomagic.engine.signin.flow_choice import choose
from ssomagic.engine.signin.sign_in import SignIn
from ssomagic.notebook.render import callback_page_html


@pytest.fixture
def runtime(config_file, home, live_emulator):
    return live_runtime(home)


def session(runtime):
    return load_config(runtime).profile("dev").sso


class Browser:
    """A person's browser: waits for the sign-in link, then does what the test says."""

    def __init__(self, sign_in: SignIn) -> None:
        self.sign_in = sign_in
        self.url: str | None = None
        self.ready = threading.Event()
        self.result: object = None
        self.error: BaseException | None = None
        sign_in.listener = self._event
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _event(self, event: object) -> None:
        if isinstance(event, BrowserSignIn):
            self.url = event.url
            self.ready.set()

    def _run(self) -> None:
        try:
            self.result = self.sign_in.run()
        except BaseException as exc:
            self.error = exc

    def __enter__(self) -> Browser:
        self.thread.start()
        assert self.ready.wait(20), "no sign-in link came"
        return self

    def __exit__(self, *exc: object) -> None:
        self.sign_in.cancel()
        self.thread.join(20)

    def come_back(self, location: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(location, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def finish(self) -> None:
        self.thread.join(20)
        assert not self.thread.is_alive()


def pkce(runtime, **kwargs) -> SignIn:
    return SignIn(session(runtime), runtime=runtime, flow="pkce", page=callback_page_html,
                  **kwargs)


def closed(url: str) -> bool:
    port = int(url.split("redirect_uri=http%3A%2F%2F127.0.0.1%3A", 1)[1].split("%2F", 1)[0])
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_one_click_signs_in_and_writes_the_token_as_a_device_flow_does(runtime, live_emulator):
    with Browser(pkce(runtime)) as browser:
        assert "code_challenge_method=S256" in browser.url and "state=" in browser.url
        status, page = browser.come_back(live_emulator.state.authorize(browser.url))
        browser.finish()
    assert status == 200 and "You are signed in to AWS" in page
    assert browser.error is None
    token = json.loads(TokenCache(runtime).token_path(session(runtime)).read_text())
    assert list(token) == ["startUrl", "region", "accessToken", "expiresAt", "clientId",
                           "clientSecret", "registrationExpiresAt", "refreshToken"]
    assert closed(browser.url)


def test_one_click_signs_in_for_the_runtimes_own_home(config_file, home, tmp_path,
                                                      live_emulator):
    elsewhere = Runtime(home=tmp_path / "elsewhere", environ={}, sleep=short_sleep)
    elsewhere.config_file.parent.mkdir(parents=True)
    elsewhere.config_file.write_text(config_file.read_text())
    with Browser(pkce(elsewhere)) as browser:
        status, _ = browser.come_back(live_emulator.state.authorize(browser.url))
        browser.finish()
    assert status == 200 and browser.error is None
    assert TokenCache(elsewhere).load_token(session(elsewhere)) is not None
    assert not (home / ".aws" / "sso").exists()


def test_the_registration_is_the_clis_pkce_kind_under_the_same_key(runtime, live_emulator):
    with Browser(pkce(runtime)) as browser:
        browser.come_back(live_emulator.state.authorize(browser.url))
        browser.finish()
    path = TokenCache(runtime).registration_path(session(runtime))
    assert path.name == registration_key(session(runtime)) + ".json"
    document = json.loads(path.read_text())
    assert list(document) == ["clientId", "clientSecret", "expiresAt", "scopes", "grantTypes"]
    assert document["grantTypes"] == ["authorization_code", "refresh_token"]
    assert live_emulator.state.requests("RegisterClient")[-1]["status"] == 200


def test_a_cli_pkce_registration_is_reused_and_a_device_one_replaced(runtime, live_emulator):
    with Browser(pkce(runtime)) as browser:
        browser.come_back(live_emulator.state.authorize(browser.url))
        browser.finish()
    registered = len(live_emulator.state.requests("RegisterClient"))
    with Browser(pkce(runtime, force=True)) as browser:  # the PKCE kind: reused
        browser.come_back(live_emulator.state.authorize(browser.url))
        browser.finish()
    assert len(live_emulator.state.requests("RegisterClient")) == registered
    from helpers import Approver

    with Approver(live_emulator):  # a device flow re-registers over it, as the CLI does
        SignIn(session(runtime), runtime=runtime, force=True).run()
    document = json.loads(TokenCache(runtime).registration_path(session(runtime)).read_text())
    assert "grantTypes" not in document
    assert len(live_emulator.state.requests("RegisterClient")) == registered + 1


def test_a_wrong_state_is_refused_and_the_sign_in_goes_on(runtime, live_emulator):
    with Browser(pkce(runtime)) as browser:
        location = live_emulator.state.authorize(browser.url)
        forged = location.rsplit("state=", 1)[0] + "state=forged"
        status, page = browser.come_back(forged)
        assert status == 400 and "not the sign-in ssomagic is waiting for" in page
        assert browser.thread.is_alive()
        browser.come_back(location)
        browser.finish()
    assert browser.error is None


def test_a_denied_consent_is_one_line_and_closes_the_listener(runtime, live_emulator):
    with Browser(pkce(runtime)) as browser:
        status, page = browser.come_back(live_emulator.state.authorize(browser.url,
                                                                       approve=False))
        browser.finish()
    assert status == 200 and "access_denied" in page
    assert isinstance(browser.error, LoginFailedError) and browser.error.reason == "denied"
    assert str(browser.error).startswith("Sign-in was denied on the sign-in page.")
    assert closed(browser.url)
    assert not TokenCache(runtime).token_path(session(runtime)).exists()


def test_a_browser_that_never_comes_back_ends_at_the_deadline(runtime, monkeypatch):
    monkeypatch.setattr(pkce_flow, "WAIT", timedelta(seconds=1))
    with Browser(pkce(runtime)) as browser:
        browser.finish()
    assert isinstance(browser.error, LoginFailedError) and browser.error.reason == "expired"
    assert "did not come back" in str(browser.error)
    assert closed(browser.url)


def test_cancel_while_waiting_stops_and_closes_the_listener(runtime):
    with Browser(pkce(runtime)) as browser:
        browser.sign_in.cancel()
        browser.finish()
    assert isinstance(browser.error, LoginCancelledError)
    assert closed(browser.url)


def test_the_address_pasted_by_hand_finishes_the_sign_in(runtime, live_emulator):
    with Browser(pkce(runtime)) as browser:
        location = live_emulator.state.authorize(browser.url)
        assert not browser.sign_in.paste(location.rsplit("state=", 1)[0] + "state=forged")
        assert browser.sign_in.paste(location)
        browser.finish()
    assert browser.error is None
    assert TokenCache(runtime).token_path(session(runtime)).exists()


def test_a_wrong_verifier_is_invalid_grant_at_the_emulator(runtime, live_emulator):
    import boto3
    from botocore.exceptions import ClientError

    with Browser(pkce(runtime)) as browser:
        location = live_emulator.state.authorize(browser.url)
        registration = TokenCache(runtime).load_registration(session(runtime))
        code = location.split("code=", 1)[1].split("&", 1)[0]
        redirect = browser.url.split("redirect_uri=", 1)[1].split("&", 1)[0]
        oidc = boto3.client("sso-oidc", region_name="us-east-1")
        with pytest.raises(ClientError, match="InvalidGrantException"):
            oidc.create_token(clientId=registration.client_id,
                              clientSecret=registration.client_secret,
                              grantType="authorization_code", code=code,
                              redirectUri=urllib.request.unquote(redirect),
                              codeVerifier="x" * 64)


SSO = SsoSession("my-sso", START_URL, "us-east-1")


@pytest.mark.parametrize(("environ", "page", "flow"), [
    ({}, "127.0.0.1", "pkce"),
    ({}, "localhost", "pkce"),
    ({}, "hub.example.com", "device"),
    ({}, None, "device"),
    ({"SSH_CONNECTION": "1 2 3 4"}, "localhost", "device"),
    ({"JUPYTERHUB_API_TOKEN": "x"}, "localhost", "device"),
    ({"SAGEMAKER_APP_TYPE": "JupyterServer"}, "localhost", "device"),
    ({"WSL_DISTRO_NAME": "Ubuntu"}, "localhost", "device"),
])
def test_the_flow_follows_where_the_browser_is(environ, page, flow):
    assert choose("auto", SSO, environ, page_host=page, container=False).flow == flow


def test_a_container_and_a_legacy_profile_get_the_device_code():
    assert choose("auto", SSO, {}, page_host="localhost", container=True).flow == "device"
    legacy = SsoSession(None, START_URL, "us-east-1")
    assert choose("pkce", legacy, {}, page_host="localhost").flow == "device"
    assert choose("device", SSO, {}, page_host="localhost").flow == "device"
    assert choose("pkce", SSO, {"SSH_TTY": "x"}).flow == "pkce"


def test_the_console_signs_in_with_one_click_and_prints_the_link(config_file, live_emulator):
    exe = shutil.which("ssomagic", path=os.path.dirname(sys.executable)) or "ssomagic"
    process = subprocess.Popen([exe, "login", "dev", "--pkce", "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any("/authorize?" in line for line in lines):
            line = process.stdout.readline()
            assert line and "enter the code" not in line, process.stderr.read()
            lines.append(line)
        url = next(line.strip() for line in lines if "/authorize?" in line)
        with urllib.request.urlopen(live_emulator.state.authorize(url), timeout=10) as page:
            assert "signed in" in page.read().decode()
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Open the following URL in a browser on this machine" in "".join(lines)
    assert "Successfully signed in to my-sso" in out


def test_the_sign_in_button_finishes_with_a_pasted_address(runtime, live_emulator):
    from helpers import wait_until

    from ssomagic.engine.binding.kernel_binding import KernelBinding
    from ssomagic.notebook.widgets import LoginButton

    button = LoginButton("dev", runtime=runtime, binding=KernelBinding(runtime))
    try:
        button.flow = "pkce"
        button.start()
        wait_until(lambda: isinstance(button._code, BrowserSignIn))
        assert button.other_button.description == "Use a device code instead"
        assert button.paste.layout.display is None
        location = live_emulator.state.authorize(button._code.url)
        button.paste.value = location.rsplit("state=", 1)[0] + "state=forged"
        assert "not the one this sign-in waits for" in button.status
        button.paste.value = location
        assert button.paste.value == ""  # the code it held is not kept in the widget's state
        button.thread.result(timeout=30)
        assert button.status == "Signed in to my-sso."
    finally:
        button.close()


def test_the_sign_in_button_switches_to_a_device_code_in_one_click(runtime, live_emulator):
    from helpers import wait_until

    from ssomagic.engine.binding.kernel_binding import KernelBinding
    from ssomagic.notebook.widgets import LoginButton

    button = LoginButton("dev", runtime=runtime, binding=KernelBinding(runtime))
    try:
        button.flow = "pkce"
        button.start()
        wait_until(lambda: isinstance(button._code, BrowserSignIn))
        button.switch_flow().result(timeout=30)
        wait_until(lambda: "ssomagic-user-code" in button.code_panel.value)
        assert button.other_button.description == "Sign in with one click instead"
        assert button.flow_choice.flow == "device"
    finally:
        button.close()


def test_a_one_click_sign_in_is_to_the_instance_its_start_url_names(runtime, live_emulator,
                                                                    config_file):
    """The emulator tells instances apart by the start URL the client registered for, as
    IAM Identity Center issues the token of the instance its issuerUrl names."""
    url = "https://d-9999999999.awsapps.com/start"
    live_emulator.state.instances = {url: Org.from_dict({"accounts": [
        {"id": "888800001111", "name": "partner-data", "roles": ["Analyst"]}]})}
    config_file.write_text(config_file.read_text() + (
        f"\n[sso-session partner]\nsso_start_url = {url}\nsso_region = us-east-1\n"))
    partner = load_config(runtime).session("partner")
    sign_in = SignIn(partner, runtime=runtime, flow="pkce", page=callback_page_html)
    with Browser(sign_in) as browser:
        browser.come_back(live_emulator.state.authorize(browser.url))
        browser.finish()
    assert browser.error is None
    assert [(a.account_id, a.role_name) for a in api.accounts(
        sso_session="partner", runtime=runtime)] == [("888800001111", "Analyst")]
