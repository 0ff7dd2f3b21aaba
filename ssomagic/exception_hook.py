"""Installing ssomagic's explanation of sign-in errors into IPython's exception display.

Kept apart from exception_help so that `%load_ext` only registers a handler; the code that
explains an error loads the first time an exception reaches it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .binding import KernelBinding

_installed: weakref.WeakSet[Any] = weakref.WeakSet()


def install(shell: Any, get_binding: Callable[[], KernelBinding],
            rich: Callable[[], bool]) -> bool:
    """Take over the display of these errors; leaves another extension's handler alone."""
    if shell.custom_exceptions != () and shell not in _installed:
        return False

    def handler(self: Any, etype: type, value: BaseException, tb: Any,
                tb_offset: int | None = None) -> list[str] | None:
        from .exception_help import explain, render_html

        binding = get_binding()
        explanation = explain(value, binding)
        if explanation is None:
            if isinstance(value, SyntaxError):
                self.showsyntaxerror()
            else:
                self.showtraceback((etype, value, tb), tb_offset=tb_offset)
            return None
        if rich():
            from IPython.display import HTML, display

            display(HTML(render_html(explanation)))
            if explanation.profile:
                from .widgets import LoginButton

                display(LoginButton(explanation.profile, runtime=binding.runtime,
                                    binding=binding, force=explanation.force,
                                    on_signed_in=binding.bind))
        else:
            hint = f" Run: %sso login {explanation.profile}" if explanation.profile else ""
            print(f"{explanation.title}: {explanation.message}{hint}")
        return [f"{explanation.title}: {explanation.message}"]

    shell.set_custom_exc((Exception,), handler)
    _installed.add(shell)
    return True


def uninstall(shell: Any) -> None:
    if shell in _installed:
        shell.set_custom_exc((), None)
        _installed.discard(shell)
