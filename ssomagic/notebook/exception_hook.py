"""Installing ssomagic's explanation of sign-in errors into IPython's exception display.

Kept apart from exception_help so that `%load_ext` only registers a handler; the code that
explains an error loads the first time an exception reaches it.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine.binding import KernelBinding

log = logging.getLogger("ssomagic")
_installed: weakref.WeakSet[Any] = weakref.WeakSet()


def _explain(value: BaseException, binding: KernelBinding, rich: bool,
             tb: Any = None) -> list[str] | None:
    """Show the explanation of ``value`` if there is one; None to fall back to a traceback."""
    from .exception_help import explain, render_html

    explanation = explain(value, binding, tb)
    if explanation is None:
        return None
    if rich:
        from IPython.display import HTML, display

        display(HTML(render_html(explanation)))
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
        try:
            explained = _explain(value, get_binding(), rich(), tb)
        except Exception:
            log.warning("ssomagic could not explain %s.", etype.__name__, exc_info=True)
            explained = None
        if explained is None:
            try:
                if isinstance(value, SyntaxError):
                    self.showsyntaxerror()
                else:
                    self.showtraceback((etype, value, tb), tb_offset=tb_offset)
            except Exception:
                log.warning("Could not show the traceback.", exc_info=True)
        return explained

    shell.set_custom_exc((Exception,), handler)
    _installed.add(shell)
    return True


def uninstall(shell: Any) -> None:
    if shell in _installed:
        shell.set_custom_exc((), None)
        _installed.discard(shell)
