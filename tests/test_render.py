"""Every value that reaches HTML is escaped by the one renderer, without a browser: hostile
account, role, profile names, codes, messages and links through every HTML it writes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ssomagic.engine.access.identity import Identity
from ssomagic.engine.access.portal import ListingProgress
from ssomagic.engine.events import BrowserSignIn, CodeReady
from ssomagic.notebook import render

EVIL = '<img src=x onerror="window.__pwned=1">'
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
LINKS = ["javascript:window.__pwned=2", "data:text/html,<script>1</script>",
         "vbscript:msgbox", " javascript:alert(1)"]


def identity() -> Identity:
    return Identity(profile=EVIL, account_id=EVIL, account_name=EVIL, role=EVIL, arn=EVIL,
                    user=EVIL, user_id=EVIL, region=EVIL,
                    token_expires_at=NOW + timedelta(minutes=5), via=(EVIL,), source=EVIL)


def code(link: str = "javascript:window.__pwned=3") -> CodeReady:
    return CodeReady(EVIL, EVIL, link, link, NOW + timedelta(minutes=5), 1.0, warning=EVIL)


RENDERED = {
    "message": lambda: render.message_html(EVIL, EVIL),
    "pre": lambda: render.pre_html(EVIL, EVIL),
    "warning": lambda: render.warning_html(EVIL),
    "error": lambda: render.error_html(EVIL, EVIL),
    "bound": lambda: render.bound_html(EVIL, EVIL, production=True),
    "code panel": lambda: render.code_panel_html(code(), 60),
    "browser panel": lambda: render.browser_panel_html(
        BrowserSignIn(EVIL, "javascript:window.__pwned=4", NOW), 60),
    "beacon": lambda: render.code_beacon_html(code(), 60),
    "callback page": lambda: render.callback_page_html(EVIL, EVIL),
    "identity card": lambda: render.identity_card_html(identity(), NOW, production=True),
    "table": lambda: render.table_html(EVIL, [EVIL, EVIL], [[EVIL, EVIL]]),
    "link": lambda: render.link_html("javascript:window.__pwned=5", EVIL),
    "progress": lambda: render.progress_html(ListingProgress(1, 2, True, 20.0)),
}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_no_value_reaches_html_unescaped(name):
    html = RENDERED[name]()
    assert "<img" not in html and "<script" not in html.lower()
    assert 'onerror="' not in html  # the attribute survives only as text: onerror=&quot;


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_no_link_is_other_than_http(name):
    html = RENDERED[name]().lower()
    assert 'href="javascript' not in html and 'href="data' not in html


@pytest.mark.parametrize("url", LINKS)
def test_safe_url_takes_http_and_https_only(url):
    assert render.safe_url(url) is None
    assert render.safe_url("https://d-1234567890.awsapps.com/start") is not None


def test_the_hostile_code_is_shown_as_text():
    html = render.code_panel_html(code(), 60)
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in html


def plain_identity(expires_in: timedelta | None) -> Identity:
    return Identity(profile="dev", account_id="111122223333", account_name="analytics-dev",
                    role="DataScientist", arn="arn:aws:sts::111122223333:assumed-role/x/ada",
                    user="ada", user_id="AROA:ada", region=None,
                    token_expires_at=None if expires_in is None else NOW + expires_in)


def test_a_table_as_text_is_left_aligned_in_columns_as_wide_as_their_widest_cell():
    assert render.table_text(("account", "id"), [("analytics-dev", "1"), ("sb", "777")]) == (
        "account        id\n"
        "analytics-dev  1\n"
        "sb             777")


@pytest.mark.parametrize(("expires_in", "production", "head", "session"), [
    (timedelta(hours=2), False, "dev as ada", "2h 00m left, until 11:00 UTC"),
    (timedelta(minutes=5), True, "dev [PRODUCTION] as ada\n  ! The sign-in expires in "
     "5m 00s: sign in again to keep working.", "5m 00s left, until 09:05 UTC"),
    (timedelta(minutes=-1), False, "dev as ada\n  ! The sign-in has expired.", "expired"),
    (None, False, "dev as ada", "no expiry"),
])
def test_the_identity_card_as_text_says_what_the_html_card_says(expires_in, production, head,
                                                                 session):
    assert render.identity_text(plain_identity(expires_in), NOW, production=production) == (
        f"{head}\n"
        "  Account:   analytics-dev (111122223333)\n"
        "  Role:      DataScientist\n"
        "  Region:    -\n"
        "  ARN:       arn:aws:sts::111122223333:assumed-role/x/ada\n"
        f"  Session:   {session}")
