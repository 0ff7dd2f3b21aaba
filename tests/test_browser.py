"""A person in a real browser: JupyterLab, the widgets, the emulator's verification page.

Runs Debian's chromium through Playwright (../shared/notes/jupyter-browser-testing.md). Outside
CI it skips when chromium or playwright is missing; under CI=true it fails instead.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from helpers import CONFIG

from ssomagic.demo import prepare_home

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

if os.environ.get("CI") == "true":
    assert sync_playwright is not None, "playwright must be installed under CI"
    assert os.path.exists(CHROMIUM), "under CI, chromium must be installed (apt-get)"
elif sync_playwright is None or not os.path.exists(CHROMIUM):
    pytest.skip("needs playwright and Debian's chromium (./scripts/test installs them as root)",
                allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def start_lab(home: Path, tmp_path: Path, live_emulator, monkeypatch) -> Iterator:
    """Starts JupyterLab in the demo home, talking to the emulator, on a notebook of the given
    cells; returns the notebook's URL. Stopped at the end of the test."""
    servers: list[subprocess.Popen] = []

    def start(cells: list[str] | None, name: str, extra_config: str = "") -> str:
        """``cells`` None: open the demo's own copy of ``name``."""
        env = prepare_home(home)
        (home / ".aws").mkdir()
        (home / ".aws" / "config").write_text(CONFIG + extra_config)  # dev, prod, legacy...
        env.update(live_emulator.endpoint_env())
        env.update({"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
                    "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")})
        if cells is not None:
            notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {
                "name": "python3", "display_name": "Python 3 (ipykernel)",
                "language": "python"}})
            notebook.cells = [nbformat.v4.new_markdown_cell(c[3:]) if c.startswith("md:")
                              else nbformat.v4.new_code_cell(c) for c in cells]
            nbformat.write(notebook, home / "notebooks" / name)
        settings = tmp_path / "lab-settings"
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True)
        (notification / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false}')
        token, port = secrets.token_hex(8), free_port()
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
                   f"--port={port}", f"--IdentityProvider.token={token}",
                   f"--ServerApp.root_dir={home / 'notebooks'}",
                   "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
                   f"--LabApp.user_settings_dir={settings}"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        servers.append(server)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not start"
                assert server.poll() is None, "JupyterLab exited"
                time.sleep(0.2)
        for key, value in env.items():  # chromium's own files go to the temp dirs too
            monkeypatch.setenv(key, value)
        return f"http://127.0.0.1:{port}/lab/tree/{name}?token={token}"

    yield start
    for server in servers:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def lab(start_lab) -> str:
    return start_lab(["%load_ext ssomagic", HOSTILE_CELL, "%sso picker", "%sso configure",
                      LAST_CELL], "browser.ipynb", LONG_NAMED)


# A profile named as `aws configure sso` names them: its sign-in button's label is long.
LONG_NAMED = ("[profile ReadOnlyAccess-111122223333]\nsso_session = my-sso\n"
              "sso_account_id = 111122223333\nsso_role_name = ReadOnlyAccess\n")
LABELS_CUT = """() => [...document.querySelectorAll(
        '.ssomagic-panel button, .ssomagic-panel select')]
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.textContent.trim())"""


LAST_CELL = ('import boto3\nprint("account:", boto3.client("sts").get_caller_identity()'
             '["Account"] if boto3.DEFAULT_SESSION else "none")')


# A sign-in code and links as a hostile endpoint could send them: each would run script if it
# reached the page unescaped, or as a link that is not http(s).
HOSTILE_CELL = """\
from datetime import datetime, timezone
import ipywidgets
from IPython.display import HTML, display
from ssomagic.engine.events import CodeReady
from ssomagic.notebook.render import code_panel_html
hostile = CodeReady('<img src=x onerror="window.__pwned=1">',
                    '<img src=x onerror="window.__pwned=2">',
                    'javascript:window.__pwned=3', 'javascript:window.__pwned=4',
                    datetime.now(timezone.utc), 1.0)
display(HTML(code_panel_html(hostile, 60)))
panel = ipywidgets.HTML(code_panel_html(hostile, 60))
panel.add_class("ssomagic-hostile")
display(panel)"""

RUN_ALL = """async () => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget;
    await panel.context.ready;
    await panel.sessionContext.ready;
    // Not awaited: the command's promise ends with the last cell, and a sign-in cell waits.
    app.commands.execute('notebook:run-all-cells');
}"""

RUN_CELL = """async ([index, wait]) => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget;
    await panel.context.ready;
    await panel.sessionContext.ready;
    panel.content.activeCellIndex = index;
    const done = app.commands.execute('notebook:run-cell');
    if (wait) { await done; }
}"""

RUN_LAST = """async () => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget;
    panel.content.activeCellIndex = panel.content.widgets.length - 1;
    await app.commands.execute('notebook:run-cell');
}"""


def choose(page, marker: str) -> None:
    select = page.locator(".ssomagic-picker-select select")
    labels = select.locator("option").all_inner_texts()
    select.select_option(label=next(label for label in labels if marker in label))


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """docs/screenshots with SSOMAGIC_UPDATE_SCREENSHOTS=1 (to refresh the docs), else temp."""
    where = DOCS_SCREENSHOTS if os.environ.get("SSOMAGIC_UPDATE_SCREENSHOTS") == "1" \
        else tmp_path / "screenshots"
    where.mkdir(parents=True, exist_ok=True)
    return where


def test_sign_in_with_the_button_and_switch_with_the_picker(lab, screenshots, live_emulator,
                                                           home):
    with sync_playwright() as playwright:
        browser, context, page = open_lab(playwright, lab)
        page.evaluate(RUN_ALL)
        expect(page.locator(".ssomagic-picker-select select")).to_be_visible(timeout=60_000)
        hostile = page.locator(".ssomagic-hostile .ssomagic-code-panel")
        expect(hostile).to_contain_text('<img src=x onerror="window.__pwned=2">')
        expect(hostile.locator("a")).to_have_count(0)  # a javascript: link is never a link
        hostile.locator(".ssomagic-verify-link").click()
        assert page.evaluate("window.__pwned === undefined")

        # At the width of a default cell, no label of the panel is cut.
        choose(page, "[ReadOnlyAccess-111122223333]")
        login = page.locator(".ssomagic-panel-login .ssomagic-login-button")
        expect(login).to_have_text("Sign in (ReadOnlyAccess-111122223333)")
        assert page.evaluate(LABELS_CUT) == []
        choose(page, "[dev]")
        expect(login).to_have_text("Sign in (dev)")
        login.click()
        link = page.locator(".ssomagic-panel-login .ssomagic-verify-link")
        expect(link).to_be_visible(timeout=20_000)
        expect(page.locator(".ssomagic-panel-login .ssomagic-user-code")).to_have_text(
            re.compile(r"^[A-Z]{4}-[A-Z]{4}$"))
        page.locator(".ssomagic-panel").screenshot(path=str(screenshots / "sign-in-code.png"))

        with context.expect_page() as opened:
            link.click()
        verification = opened.value
        verification.wait_for_load_state()
        code = page.locator(".ssomagic-panel-login .ssomagic-user-code").inner_text()
        expect(verification.locator(".user-code")).to_have_text(code)
        verification.screenshot(path=str(screenshots / "verification-page.png"))
        verification.locator("button.approve").click()
        expect(verification.locator(".result")).to_have_attribute("data-outcome", "approved")
        verification.close()

        card = page.locator(".ssomagic-card-html")
        expect(card).to_contain_text("analytics-dev (111122223333)", timeout=20_000)
        expect(card).to_contain_text("DataScientist")
        expect(page.locator(".ssomagic-panel-login .ssomagic-code-panel-widget")).to_have_text("")
        page.locator(".ssomagic-panel").screenshot(path=str(screenshots / "identity-card.png"))

        choose(page, "[prod]")
        expect(card).to_contain_text("analytics-prod (444455556666)", timeout=20_000)
        page.locator(".ssomagic-production-toggle").click()  # the production state
        expect(card.locator(".ssomagic-production")).to_have_text("PRODUCTION", timeout=20_000)
        page.locator(".ssomagic-panel").screenshot(path=str(screenshots / "production.png"))

        choose(page, "[legacy]")  # never signed in: the one sign-in button, nothing else
        expect(login).to_have_text("Sign in (legacy)", timeout=20_000)
        expect(page.locator(".ssomagic-panel .ssomagic-login-button")).to_have_count(1)
        expect(page.locator(".ssomagic-panel .ssomagic-logout-button")).to_be_hidden()
        page.locator(".ssomagic-panel").screenshot(path=str(screenshots / "signed-out.png"))
        # The wizard: start URL and region, sign in (reused: already signed in), tick a role,
        # check the preview, Write.
        wizard = page.locator(".ssomagic-wizard")
        wizard.locator(".ssomagic-wizard-url input").fill("https://d-1234567890.awsapps.com/start")
        wizard.locator(".ssomagic-wizard-region input").fill("us-east-1")
        wizard.locator(".ssomagic-login-button").click()
        choices = wizard.locator(".ssomagic-wizard-choices .widget-checkbox")
        expect(choices).to_have_count(5, timeout=20_000)
        choices.filter(has_text="sandbox (777788889999) / DataScientist").locator(
            "input").check()  # a plain click: no Ctrl-click to learn
        preview = wizard.locator(".ssomagic-wizard-preview")
        expect(preview).to_contain_text("+[profile DataScientist-777788889999]")
        wizard.screenshot(path=str(screenshots / "configure-wizard.png"))
        wizard.locator(".ssomagic-wizard-write").click()
        expect(wizard.locator(".ssomagic-wizard-message")).to_contain_text(
            ": [profile DataScientist-777788889999].", timeout=20_000)

        page.evaluate(RUN_LAST)
        expect(page.locator(".jp-OutputArea-output").last).to_contain_text(
            "account: 444455556666", timeout=20_000)

        # An administrator ends every sign-in: the card says the server ended it, and offers
        # the one button that helps.
        live_emulator.state.revoke_tokens(role_credentials=True)
        choose(page, "[dev]")
        panel = page.locator(".ssomagic-panel")
        expect(panel).to_contain_text("no longer accepts the sign-in", timeout=20_000)
        expect(login).to_have_text("Sign in (dev)")
        expect(panel.locator(".ssomagic-login-button")).to_have_count(1)
        panel.screenshot(path=str(screenshots / "rejected.png"))

        # A sign-in that ran out (as after a night): the card says when it expired.
        token_file = next(p for p in (home / ".aws" / "sso" / "cache").glob("*.json")
                          if "accessToken" in p.read_text())
        document = json.loads(token_file.read_text())
        document.update(accessToken="an-older-token", expiresAt="2026-11-27T06:00:00Z")
        document.pop("refreshToken", None)
        token_file.write_text(json.dumps(document))
        choose(page, "[prod]")
        expect(panel).to_contain_text("The sign-in to my-sso expired at 06:00 UTC.",
                                      timeout=20_000)
        expect(login).to_have_text("Sign in (prod)")
        panel.screenshot(path=str(screenshots / "expired.png"))
        browser.close()


def open_lab(playwright, url: str):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget",
                           timeout=60_000)
    return browser, context, page


KERNEL_CONNECTED = """async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    await panel.context.ready;
    await panel.sessionContext.ready;
    await panel.sessionContext.session.kernel.info;  // JupyterLab writes its language_info now
    await new Promise(resolve => setTimeout(resolve, 1000));
    return panel.context.model.dirty;
}"""


def test_the_demo_onboarding_notebook_opens_unmodified(start_lab):
    """JupyterLab marks a tab modified when the kernel's language_info changes the notebook."""
    url = start_lab(None, "onboarding.ipynb")
    with sync_playwright() as playwright:
        browser, _context, page = open_lab(playwright, url)
        assert page.evaluate(KERNEL_CONNECTED) is False
        expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)
        browser.close()


def test_run_all_floats_the_waiting_code_over_the_page(start_lab, screenshots):
    """Run All scrolls to the last cell while `%sso login` blocks far above it: the code is
    still in view (and in the tab title) until it is approved, then it goes away."""
    filler = [f"md:## Step {n}\n\n" + "Some explanation.\n\n" * 6 for n in range(12)]
    url = start_lab(["%load_ext ssomagic", "%sso login dev", *filler, LAST_CELL],
                    "run-all.ipynb")
    with sync_playwright() as playwright:
        browser, context, page = open_lab(playwright, url)
        page.evaluate(RUN_ALL)
        beacon = page.locator(".ssomagic-code-beacon")
        code = beacon.locator(".ssomagic-user-code")
        expect(code).to_have_text(re.compile(r"^[A-Z]{4}-[A-Z]{4}$"), timeout=60_000)
        # The view is at the end of the notebook, far from the blocked cell...
        expect(page.locator(".jp-Cell").last).to_be_in_viewport(timeout=20_000)
        in_cell = page.locator(".jp-Cell .ssomagic-code-panel .ssomagic-user-code")
        assert in_cell.count() == 0 or not in_cell.first.is_visible() or \
            in_cell.first.evaluate("e => e.getBoundingClientRect().bottom < 0")
        # ...and the code is in view all the same, and in the tab's title.
        expect(code).to_be_in_viewport()
        expect(page).to_have_title(re.compile(r"^Sign-in code [A-Z]{4}-[A-Z]{4} · "))
        page.screenshot(path=str(screenshots / "run-all-waiting-code.png"))

        with context.expect_page() as opened:
            beacon.locator(".ssomagic-verify-link").click()
        verification = opened.value
        verification.wait_for_load_state()
        expect(verification.locator(".user-code")).to_have_text(code.inner_text())
        verification.locator("button.approve").click()
        expect(verification.locator(".result")).to_have_attribute("data-outcome", "approved")
        verification.close()

        expect(page.locator(".jp-OutputArea-output").last).to_contain_text(
            "account: 111122223333", timeout=30_000)
        expect(beacon).to_have_count(0)
        expect(page).not_to_have_title(re.compile("Sign-in code"))
        browser.close()


def test_one_click_sign_in_from_the_notebook_in_the_browser(start_lab, screenshots):
    """The page tells the kernel where it is served from; `%sso login --pkce` shows one link;
    Allow on the emulator's authorize page brings the browser back to the kernel's listener,
    whose page says so, and the notebook carries on as the account. Cells run one at a time,
    as a person runs them (under Run All the page's answer queues behind the cells)."""
    url = start_lab(["%load_ext ssomagic", "%sso status",
                     "from ssomagic.notebook.page_location import page_host\n"
                     "print('page host:', page_host())",
                     "%sso login dev --pkce", LAST_CELL], "one-click.ipynb")
    with sync_playwright() as playwright:
        browser, context, page = open_lab(playwright, url)
        for index in (0, 1):
            page.evaluate(RUN_CELL, [index, True])
        # The page answers the kernel's question between cells, a moment after cell 1: ask
        # until it has (a person's next cell comes seconds later).
        deadline = time.monotonic() + 30
        while True:
            page.evaluate(RUN_CELL, [2, True])
            if "page host: 127.0.0.1" in page.locator(".jp-Cell").nth(2).inner_text():
                break
            assert time.monotonic() < deadline, "the page never said where it is"
            time.sleep(0.3)
        page.evaluate(RUN_CELL, [3, False])
        link = page.locator(".jp-Cell .ssomagic-browser-panel .ssomagic-signin-link").first
        expect(link).to_be_visible(timeout=60_000)
        expect(page.locator(".jp-Cell").nth(3)).to_contain_text(
            "Signing in with one click in the browser")
        page.screenshot(path=str(screenshots / "one-click-sign-in.png"))
        with context.expect_page() as opened:
            link.click()
        authorize = opened.value
        authorize.wait_for_load_state()
        authorize.locator("button.approve").click()
        expect(authorize.locator("h1")).to_have_text("Signed in", timeout=30_000)
        expect(authorize.locator("body")).to_contain_text("You can close this tab")
        authorize.close()
        expect(page.locator(".jp-Cell").nth(3).locator(".ssomagic-identity")).to_be_visible(
            timeout=30_000)
        page.evaluate(RUN_CELL, [4, True])
        expect(page.locator(".jp-OutputArea-output").last).to_contain_text(
            "account: 111122223333", timeout=30_000)
        expect(page.locator(".ssomagic-browser-panel")).to_have_count(0)
        browser.close()
