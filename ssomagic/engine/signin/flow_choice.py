"""Which way a sign-in goes: one click (PKCE) where the browser can reach this machine's
loopback, the device code where it cannot. A terminal tool can only guess; a notebook knows
both sides: its front end says where the page is served from, and the kernel adds what its
environment says (SSH, JupyterHub, SageMaker, a container, WSL, a codespace).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..config.read import SsoSession

FLOWS = ("auto", "pkce", "device")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

_REMOTE_SIGNS = (
    (("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"), "this runs over SSH"),
    (("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_USER"), "this runs on a JupyterHub"),
    (("SAGEMAKER_APP_TYPE", "SM_CURRENT_HOST", "SAGEMAKER_INTERNAL_IMAGE_URI"),
     "this runs on SageMaker"),
    (("KUBERNETES_SERVICE_HOST",), "this runs in a Kubernetes pod"),
    (("CODESPACES", "GITPOD_WORKSPACE_ID", "CLOUD_SHELL"), "this runs in a cloud workspace"),
    (("WSL_DISTRO_NAME",), "this runs in WSL, whose loopback the Windows browser may not reach"),
)


@dataclass(frozen=True)
class Choice:
    flow: str  # "pkce" | "device"
    why: str

    def __str__(self) -> str:
        how = "one click in the browser" if self.flow == "pkce" else "a device code"
        return f"Signing in with {how}: {self.why}."


def _is_macos() -> bool:
    import sys

    return sys.platform == "darwin"


def remote_reason(environ: Mapping[str, str], *, container: bool | None = None) -> str | None:
    """Why the browser is probably not on this machine, or None."""
    for names, why in _REMOTE_SIGNS:
        if any(environ.get(n) for n in names):
            return why
    if container if container is not None else os.path.exists("/.dockerenv"):
        return "this runs in a container"
    return None


def choose(wanted: str, session: SsoSession, environ: Mapping[str, str], *,
           page_host: str | None = None, console: bool = False,
           container: bool | None = None) -> Choice:
    """``wanted`` is auto, pkce or device. ``page_host`` is where the notebook page is served
    from, as its front end reported it (None: no front end said, as in a headless run)."""
    if session.name is None:
        return Choice("device", "a profile without an sso-session signs in with a device code, "
                                "as the AWS CLI's does")
    if wanted == "pkce":
        return Choice("pkce", "asked for")
    if wanted == "device":
        return Choice("device", "asked for")
    remote = remote_reason(environ, container=container)
    if remote:
        return Choice("device", f"{remote}, so the browser cannot reach its loopback")
    if console and environ.get("DISPLAY") is None and environ.get(
            "WAYLAND_DISPLAY") is None and os.name == "posix" and not _is_macos():
        return Choice("device", "this machine has no display for a browser")
    if console:
        return Choice("pkce", "the browser runs on this machine")
    if page_host is None:
        return Choice("device", "no browser page told the kernel where it is")
    if page_host.lower() in LOOPBACK_HOSTS:
        return Choice("pkce", "the notebook page and the kernel are on this machine")
    return Choice("device", f"the notebook page is served from {page_host}, not from this "
                            "machine")
