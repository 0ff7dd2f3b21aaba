"""How engine values look in a notebook (HTML) and in a terminal (text).

The one place ssomagic writes HTML. Pure functions of the values they are given: the magics,
the widgets, the explanations and the rich reprs all render through here, so a code panel or
an identity card looks the same wherever it appears. Every value is escaped here, whoever sent
it (a server, a config file, a user); a link is only ever http(s); no value goes into
JavaScript (the one script, the code beacon's static module, only places what is rendered
here). Nothing rendered includes a token, a secret or a key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..engine.events import BrowserSignIn, CodeReady
from ..engine.files.token_cache import format_time
from ..engine.signin.session_status import SessionStatus
from ..engine.timing import format_duration

if TYPE_CHECKING:
    from ..engine.access.accounts import Access
    from ..engine.access.identity import Identity
    from ..engine.access.portal import ListingProgress
    from ..engine.config.read import PlainProfile, Profile

_BOX = ("font-family:var(--jp-ui-font-family,system-ui,sans-serif);border:1px solid "
        "var(--jp-border-color1,#ccc);border-radius:6px;padding:10px 14px;margin:4px 0;"
        "max-width:42em;")
_PROD = "border-left:6px solid #d13212;"
_WARN = "background:rgba(255,153,0,.12);"


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def safe_url(url: str) -> str | None:
    """The URL if it is http(s) with a host; a javascript: or data: link is never rendered."""
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def message_html(text: str, css: str = "ssomagic-message") -> str:
    """A line of plain text in the notebook."""
    return f'<div class="{escape(css)}">{escape(text)}</div>'


def link_html(url: str, text: str) -> str:
    """A link that opens in a new tab, if it is http(s); else the text alone."""
    safe = safe_url(url)
    if safe is None:
        return message_html(text)
    return (f'<div class="ssomagic-link"><a href="{escape(safe)}" target="_blank" '
            f'rel="noopener noreferrer">{escape(text)}</a></div>')


def pre_html(text: str, css: str = "ssomagic-pre") -> str:
    """Preformatted text: a diff, a config section."""
    return f'<pre class="{escape(css)}">{escape(text)}</pre>'


def progress_html(progress: ListingProgress) -> str:
    """A listing's progress bar, with its line of text under it."""
    total = max(progress.found, 1)
    return (f'<div class="ssomagic-progress" style="{_BOX}"><progress value="{progress.listed}" '
            f'max="{total}" style="width:100%"></progress><div>{escape(str(progress))}</div>'
            "</div>")


def warning_html(text: str) -> str:
    return f'<div class="ssomagic-warning">&#9888; {escape(text)}</div>'


def error_html(title: str, message: str) -> str:
    return (f'<div class="ssomagic-error" style="border-left:5px solid #d13212;padding:8px 12px;'
            f'margin:4px 0;max-width:42em"><b>{escape(title)}</b>: {escape(message)}</div>')


def bound_html(profile: str, text: str, *, production: bool) -> str:
    """The line %sso use leaves: the profile in bold, its production marker, the facts."""
    prod = (' <span class="ssomagic-production" style="color:#d13212"><b>PRODUCTION</b>'
            "</span>" if production else "")
    return (f'<div class="ssomagic-bound">Bound to <b>{escape(profile)}</b>{prod}: '
            f"{escape(text)}</div>")


# ---- sign-in code ---------------------------------------------------------------------------

def code_panel_text(event: CodeReady, seconds_left: float) -> str:
    """The same, as text: what a saved notebook shows where no HTML is rendered."""
    warning = f"WARNING: {event.warning}\n" if event.warning else ""
    return (f"{warning}Sign in to {event.session}: open {event.verification_uri_complete}, check "
            f"the code {event.user_code}, and allow access "
            f"({format_duration(seconds_left)} left).")


def code_panel_html(event: CodeReady, seconds_left: float) -> str:
    """The link and the code. The code is selectable with one click (CSS, not a script)."""
    url = safe_url(event.verification_uri_complete) or safe_url(event.verification_uri)
    link = (f'<a class="ssomagic-verify-link" href="{escape(url)}" target="_blank" '
            f'rel="noopener noreferrer" style="font-size:1.1em">Open the sign-in page &#8599;</a>'
            if url else '<b class="ssomagic-verify-link">The sign-in page address is not an '
            "http(s) link; ask your administrator.</b>")
    warning = (f'<div class="ssomagic-phishing-warning" style="color:#d13212"><b>&#9888; '
               f"{escape(event.warning)}</b></div>" if event.warning else "")
    return (
        f'<div class="ssomagic-code-panel" style="{_BOX}">{warning}'
        f"<div>Sign in to <b>{escape(event.session)}</b>: open the page on "
        f"<b>{escape(host_of(event.verification_uri))}</b>, check the code, and allow access."
        f"</div>"
        f'<div style="margin:8px 0">{link}</div>'
        f'<div><span class="ssomagic-user-code" title="Click to select the code" '
        f'style="font:600 2em var(--jp-code-font-family,monospace);letter-spacing:.15em;'
        f'user-select:all">{escape(event.user_code)}</span></div>'
        f'<div class="ssomagic-countdown" style="color:var(--jp-ui-font-color2,#666)">'
        f"The code expires in {format_duration(seconds_left)}.</div></div>")


def browser_panel_html(event: BrowserSignIn, seconds_left: float) -> str:
    """One-click sign-in: the link to the authorize page, nothing to compare."""
    url = safe_url(event.url)
    link = (f'<a class="ssomagic-signin-link" href="{escape(url)}" target="_blank" '
            f'rel="noopener noreferrer" style="font-size:1.1em">Open the sign-in page &#8599;</a>'
            if url else '<b class="ssomagic-signin-link">The sign-in page address is not an '
            "http(s) link; ask your administrator.</b>")
    opened = " (a browser tab should have opened)" if event.opened else ""
    return (f'<div class="ssomagic-browser-panel" style="{_BOX}">'
            f"<div>Sign in to <b>{escape(event.session)}</b> in the browser{opened}: choose "
            f"<b>Allow access</b>, and the page comes back here by itself.</div>"
            f'<div style="margin:8px 0">{link}</div>'
            f'<div class="ssomagic-countdown" style="color:var(--jp-ui-font-color2,#666)">'
            f"Waiting for the browser: {format_duration(seconds_left)} left. If the page it "
            f"lands on cannot be reached, sign in with <code>--use-device-code</code>.</div>"
            "</div>")


def browser_panel_text(event: BrowserSignIn, seconds_left: float) -> str:
    return (f"Sign in to {event.session} in the browser: open {event.url} and choose Allow "
            f"access ({format_duration(seconds_left)} left).")


def sign_in_panel_html(event: CodeReady | BrowserSignIn, seconds_left: float) -> str:
    if isinstance(event, CodeReady):
        return code_panel_html(event, seconds_left)
    return browser_panel_html(event, seconds_left)


def sign_in_panel_text(event: CodeReady | BrowserSignIn, seconds_left: float) -> str:
    if isinstance(event, CodeReady):
        return code_panel_text(event, seconds_left)
    return browser_panel_text(event, seconds_left)


def callback_page_html(title: str, text: str) -> str:
    """The page the browser shows when a one-click sign-in comes back to this machine."""
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'</head><body style="font-family:system-ui,sans-serif;max-width:34rem;'
            f'margin:4rem auto"><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>')


def code_beacon_html(event: CodeReady | BrowserSignIn, seconds_left: float) -> str:
    """The code panel as it floats over the page while later cells wait (widgets/code_beacon)."""
    return (f'<div class="ssomagic-beacon-why" style="padding:8px 14px 0;font-weight:600">'
            f"The notebook waits for this sign-in: the cells below run once you allow access."
            f"</div>{sign_in_panel_html(event, seconds_left)}")


def code_beacon_title(event: CodeReady | BrowserSignIn) -> str:
    """The tab title's prefix, so the code is found from any tab. Plain text, not HTML."""
    if isinstance(event, BrowserSignIn):
        return "Sign in to AWS"
    return f"Sign-in code {event.user_code}"


# ---- identity -------------------------------------------------------------------------------

def identity_rows(identity: Identity, now: datetime) -> list[tuple[str, str]]:
    account = (f"{identity.account_name} ({identity.account_id})" if identity.account_name
               else identity.account_id)
    left = identity.seconds_left(now)
    via = [("Assumed via", " -> ".join(identity.via))] if identity.via else []
    source = [("Credentials", identity.source)] if identity.source else []
    if identity.token_expires_at is None:
        session = "no expiry"
    elif left > 0:
        session = f"{format_duration(left)} left, until {identity.token_expires_at:%H:%M} UTC"
    else:
        session = "expired"
    return [("Account", account), ("Role", identity.role), *via, *source,
            ("Region", identity.region or "-"), ("ARN", identity.arn), ("Session", session)]


def identity_card_html(identity: Identity, now: datetime, *, production: bool = False,
                       warn_before: float = 900) -> str:
    left = identity.seconds_left(now)
    style = _BOX + (_PROD if production else "") + (_WARN if left < warn_before else "")
    badge = ('<span class="ssomagic-production" style="background:#d13212;color:white;'
             'border-radius:3px;padding:1px 6px;margin-left:8px;font-size:.8em">PRODUCTION'
             "</span>" if production else "")
    warning = ""
    if left <= 0:
        warning = '<div class="ssomagic-expiry-warning"><b>The sign-in has expired.</b></div>'
    elif left < warn_before:
        warning = (f'<div class="ssomagic-expiry-warning"><b>The sign-in expires in '
                   f"{format_duration(left)}</b>: sign in again to keep working.</div>")
    rows = "".join(
        f'<tr><th style="text-align:left;padding-right:12px">{escape(k)}</th>'
        f'<td class="ssomagic-{k.lower().replace(" ", "-")}">{escape(v)}</td></tr>'
        for k, v in identity_rows(identity, now))
    return (f'<div class="ssomagic-identity" style="{style}"><div><b>'
            f"{escape(identity.profile)}</b>{badge} <span style=\"color:var(--jp-ui-font-color2,"
            f'#666)">as {escape(identity.user)}</span></div>{warning}'
            f"<table>{rows}</table></div>")


def identity_text(identity: Identity, now: datetime, *, production: bool = False,
                  warn_before: float = 900) -> str:
    """The card as text (a terminal, a saved notebook): the same marker and warning."""
    head = f"{identity.profile}{' [PRODUCTION]' if production else ''} as {identity.user}"
    left = identity.seconds_left(now)
    warning = []
    if left <= 0:
        warning = ["  ! The sign-in has expired."]
    elif left < warn_before:
        warning = [f"  ! The sign-in expires in {format_duration(left)}: sign in again to keep "
                   "working."]
    return "\n".join([head, *warning,
                      *(f"  {k + ':':10} {v}" for k, v in identity_rows(identity, now))])


# ---- tables ---------------------------------------------------------------------------------

def table_html(css: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f'<th style="text-align:left">{escape(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f'<td style="text-align:left">{escape(c)}</td>'
                                    for c in row) + "</tr>" for row in rows)
    return (f'<table class="{escape(css)}"><thead><tr>{head}</tr></thead><tbody>{body}'
            '</tbody></table>')


def table_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=False)]
    lines = [header, *rows]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=False)).rstrip()
                     for line in lines)


STATUS_HEADER = ("sso-session", "state", "time left", "until")


def status_rows(statuses: Sequence[SessionStatus]) -> list[tuple[str, str, str, str]]:
    return [(s.session, s.state,
             format_duration(s.seconds_left) if s.signed_in else "-",
             format_time(s.expires_at) if s.expires_at else (s.problem or "-"))
            for s in statuses]


ACCOUNTS_HEADER = ("account", "id", "role", "profile")


def account_rows(found: Sequence[Access]) -> list[tuple[str, str, str, str]]:
    """`accounts` in both front ends: every role, and its profile ("-" where none)."""
    return [(a.account_name, a.account_id, a.role_name, a.profile or "-") for a in found]


PROFILE_HEADER = ("profile", "account", "role", "region", "sso-session")


def profile_rows(profiles: Sequence[Profile], names: dict[str, str],
                 plain: Sequence[PlainProfile] = ()) -> list[tuple[str, str, str, str, str]]:
    """SSO profiles (a chained one names its chain), then profiles whose credentials come
    from elsewhere, with where from in the sign-in column."""
    rows = []
    for p in profiles:
        account = p.account_id or "-"
        if p.account_id and names.get(p.account_id):
            account = f"{names[p.account_id]} ({p.account_id})"
        sign_in = p.sso.label + (f" via {' -> '.join(p.chain[1:])}" if p.source else "")
        rows.append((p.name, account, p.role_name or "-", p.region or "-", sign_in))
    for q in plain:
        rows.append((q.name, "-", "-", q.region or "-", f"({q.kind})"))
    return rows
