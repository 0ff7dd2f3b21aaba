"""Rich display of engine values in IPython: an Identity returned by ``ssomagic.whoami()`` shows
as the same card, with the same production marker, as ``%sso whoami``.

The engine's types know nothing of HTML; IPython's formatters are told about them here, the
way IPython lets a library teach it a type it does not own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..engine.access.identity import Identity
from ..engine.config.read import load_config
from ..engine.runtime import Runtime
from .render import identity_card_html, identity_text


def _production(identity: Identity, flagged: Sequence[str], runtime: Runtime) -> bool:
    try:
        profile = load_config(runtime).find(identity.profile)
    except Exception:  # a display must never fail: a malformed config shows no marker
        return identity.profile in flagged
    return profile is not None and profile.is_production(flagged)


def register_formatters(shell: Any, flagged: Sequence[str] = (), warn_before: float = 900
                        ) -> None:
    """Teach ``shell`` to show an Identity as a card (HTML) and as the text card (terminal)."""
    runtime = Runtime()
    formatters = shell.display_formatter.formatters

    def as_html(identity: Identity) -> str:
        return identity_card_html(identity, runtime.now(),
                                  production=_production(identity, flagged, runtime),
                                  warn_before=warn_before)

    def as_text(identity: Identity, printer: Any, cycle: bool) -> None:
        printer.text(identity_text(identity, runtime.now(),
                                   production=_production(identity, flagged, runtime)))

    formatters["text/html"].for_type(Identity, as_html)
    formatters["text/plain"].for_type(Identity, as_text)


def teach_running_shell() -> None:
    """Register the formatters in the running IPython, with the magics' options, once."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or getattr(shell, "_ssomagic_formatters", False):
        return
    magics = shell.magics_manager.registry.get("SsoMagics")
    register_formatters(shell, getattr(magics, "production_profiles", ()),
                        getattr(magics, "expiry_warning", 900))
    shell._ssomagic_formatters = True
