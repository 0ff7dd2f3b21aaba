"""Installing ssomagic's explanation of sign-in errors into IPython's exception display.

Kept apart from exception_help so that `%load_ext` only registers a handler; the code that
explains an error loads the first time an exception reaches it.
"""

from __future__ import annotations

import logging
import sys
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..engine.errors import SsoMagicError

if TYPE_CHECKING:
    from ..engine.binding.kernel_binding import KernelBinding

log = logging.getLogger("ssomagic")


class SignInStopped(Exception):
    """An interrupted `%sso login`: the cell fails (Run All stops there), and shows only its
    line, not "UsageError:" nor a traceback."""
_installed: weakref.WeakSet[Any] = weakref.WeakSet()


def _explain(value: BaseException, binding: KernelBinding, rich: bool,
             tb: Any = None) -> list[str] | None:
    """Show the explanation of ``value`` if there is one; None to fall back to a traceback."""
    from .exception_help import explain, render_html

    explanation = explain(value, binding, tb)
    if explanation is None:
        return None
    from dataclasses import replace

    from ..commands import NOTEBOOK, phrase

    explanation = replace(explanation, message=phrase(explanation.message, NOTEBOOK))
    if rich:
        from IPython.display import display

        display({"text/html": render_html(explanation),
                 "text/plain": f"{explanation.title}: {explanation.message}"}, raw=True)
        if explanation.profile:
            from .widgets import LoginButton

            display(LoginButton(explanation.profile, runtime=binding.runtime,
                                binding=binding, force=explanation.force))
    else:
        hint = f" Run: %sso login {explanation.profile}" if explanation.profile else ""
        print(f"{explanation.title}: {explanation.message}{hint}")
    return [f"{explanation.title}: {explanation.message}"]


def install(shell: Any, get_binding: Callable[[], KernelBinding],
            rich: Callable[[], bool]) -> bool:
    """Take over the display of these errors; leaves another extension's handler alone."""
    if shell.custom_exceptions != () and shell not in _installed:
        return False

    def handler(self: Any, etype: type, value: BaseException, tb: Any,
                tb_offset: int | None = None) -> list[str] | None:
        # IPython switches a handler off for the session the first time it raises, so this
        # one never does: if explaining fails (a malformed config, say), the user gets
        # IPython's usual traceback of their error, and the failure goes to the log.
        if isinstance(value, SignInStopped):
            print(str(value))
            return [str(value)]
        problem: str | None = None
        try:
            explained = _explain(value, get_binding(), rich(), tb)
        except SsoMagicError as exc:
            # It cannot help (a config that does not parse, say): the cell's own error shows
            # as IPython shows it, and one line says what is wrong with ssomagic's side.
            from ..commands import NOTEBOOK, phrase

            explained, problem = None, phrase(str(exc), NOTEBOOK)
        except Exception as exc:
            log.warning("ssomagic could not explain %s (%s).", etype.__name__,
                        type(exc).__name__)
            explained = None
        if explained is None:
            try:
                if isinstance(value, SyntaxError):
                    self.showsyntaxerror()
                else:
                    self.showtraceback((etype, value, tb), tb_offset=tb_offset)
            except Exception:
                log.warning("Could not show the traceback.")
            if problem is not None and problem not in str(value):  # said once, not twice
                print(f"ssomagic: {problem}", file=sys.stderr)
        return explained

    shell.set_custom_exc((Exception,), handler)
    _redact_tracebacks(shell, get_binding)
    _installed.add(shell)
    return True


class _Shown:
    """An exception value as shown: its text, with the secrets taken out."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def _redact_tracebacks(shell: Any, get_binding: Callable[[], KernelBinding]) -> None:
    """Every traceback IPython shows (Verbose mode's frame locals included) passes through
    here first, so a token a frame held never reaches an output or a saved notebook."""
    if getattr(shell._showtraceback, "ssomagic_original", None) is not None:
        return  # already ours (ipykernel itself sets an instance attribute: wrap that)
    original = shell._showtraceback

    def show(etype: type, evalue: BaseException, stb: list[str]) -> Any:
        from ..engine.files.known_secrets import known_secrets, scrub

        try:
            secrets = known_secrets(get_binding().runtime)
            stb = [scrub(line, secrets) for line in stb]
            text = str(evalue)
            clean = scrub(text, secrets)
        except Exception:  # never lose the traceback itself
            return original(etype, evalue, stb)
        return original(etype, evalue if clean == text else _Shown(clean), stb)

    show.ssomagic_original = original  # type: ignore[attr-defined]
    shell._showtraceback = show


def _restore_tracebacks(shell: Any) -> None:
    original = getattr(shell._showtraceback, "ssomagic_original", None)
    if original is None:
        return
    shell._showtraceback = original  # what was there before, method or instance attribute


def uninstall(shell: Any) -> None:
    if shell in _installed:
        shell.set_custom_exc((), None)
        _restore_tracebacks(shell)
        _installed.discard(shell)
