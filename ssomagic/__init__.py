"""ssomagic: sign in to AWS IAM Identity Center from a notebook, as the AWS CLI v2 does.

Importing the package is cheap: boto3 and botocore load on first use, so ``%load_ext ssomagic``
adds almost nothing to a kernel's start.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["accounts", "configure", "export_credentials", "login", "logout", "populate",
           "profiles", "serve", "sessions", "status", "use", "whoami"]

if TYPE_CHECKING:
    from .api import (
        accounts,
        configure,
        export_credentials,
        login,
        logout,
        populate,
        profiles,
        serve,
        sessions,
        status,
        use,
        whoami,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'ssomagic' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext ssomagic`: registers %sso and %%sso. Imports neither boto3 nor botocore.
    From here on the SDK's log records are redacted, a boto3 client of the user's own too."""
    from .engine.aws import log_redaction
    from .notebook import completion
    from .notebook.exception_hook import install
    from .notebook.magics import SsoMagics

    log_redaction.install()
    magics = SsoMagics(ipython)
    ipython.register_magics(magics)
    ipython.events.register("pre_run_cell", magics.notice_environment)
    install(ipython, lambda: magics.binding, lambda: magics.rich)
    completion.install(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .notebook.exception_hook import uninstall

    uninstall(ipython)
    magics = ipython.magics_manager.registry.get("SsoMagics")
    if magics is not None:
        with contextlib.suppress(ValueError):  # registered by another load
            ipython.events.unregister("pre_run_cell", magics.notice_environment)
