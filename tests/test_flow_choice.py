"""Which way `auto` signs in (engine/signin/flow_choice.py), and the reason the cell shows: every
sign of a browser elsewhere, each with its own words, and the console's own rule."""

from __future__ import annotations

import os

import pytest

from ssomagic.engine.config.read import SsoSession
from ssomagic.engine.signin import flow_choice
from ssomagic.engine.signin.flow_choice import Choice, choose, remote_reason

SSO = SsoSession("my-sso", "https://d-1234567890.awsapps.com/start", "us-east-1")


@pytest.mark.parametrize(("name", "why"), [
    ("SSH_CONNECTION", "this runs over SSH"),
    ("SSH_CLIENT", "this runs over SSH"),
    ("SSH_TTY", "this runs over SSH"),
    ("JUPYTERHUB_API_TOKEN", "this runs on a JupyterHub"),
    ("JUPYTERHUB_USER", "this runs on a JupyterHub"),
    ("SAGEMAKER_APP_TYPE", "this runs on SageMaker"),
    ("SM_CURRENT_HOST", "this runs on SageMaker"),
    ("SAGEMAKER_INTERNAL_IMAGE_URI", "this runs on SageMaker"),
    ("KUBERNETES_SERVICE_HOST", "this runs in a Kubernetes pod"),
    ("CODESPACES", "this runs in a cloud workspace"),
    ("GITPOD_WORKSPACE_ID", "this runs in a cloud workspace"),
    ("CLOUD_SHELL", "this runs in a cloud workspace"),
    ("WSL_DISTRO_NAME", "this runs in WSL, whose loopback the Windows browser may not reach"),
])
def test_each_sign_of_a_browser_elsewhere_is_named(name, why):
    assert remote_reason({name: "1"}, container=False) == why
    assert choose("auto", SSO, {name: "1"}, page_host="localhost", container=False) == Choice(
        "device", f"{why}, so the browser cannot reach its loopback")


def test_an_empty_variable_is_no_sign():
    assert remote_reason({"SSH_CONNECTION": ""}, container=False) is None


def test_a_container_is_known_by_its_marker_file(monkeypatch):
    monkeypatch.setattr(os.path, "exists", lambda path: path == "/.dockerenv")
    assert remote_reason({}) == "this runs in a container"
    monkeypatch.setattr(os.path, "exists", lambda path: False)
    assert remote_reason({}) is None


def test_the_notebook_page_decides_when_nothing_else_does():
    assert choose("auto", SSO, {}, page_host="LOCALHOST", container=False) == Choice(
        "pkce", "the notebook page and the kernel are on this machine")
    assert choose("auto", SSO, {}, page_host="[::1]", container=False).flow == "pkce"
    assert choose("auto", SSO, {}, page_host="nb.example.com", container=False) == Choice(
        "device", "the notebook page is served from nb.example.com, not from this machine")
    assert choose("auto", SSO, {}, container=False) == Choice(
        "device", "no browser page told the kernel where it is")


def test_asked_for_is_taken_as_asked_even_over_ssh():
    assert choose("pkce", SSO, {"SSH_TTY": "x"}, container=True) == Choice("pkce", "asked for")
    assert choose("device", SSO, {}, page_host="localhost") == Choice("device", "asked for")


def test_a_profile_without_an_sso_session_always_gets_the_device_code():
    legacy = SsoSession(None, SSO.start_url, "us-east-1")
    assert choose("pkce", legacy, {}, page_host="localhost") == Choice(
        "device", "a profile without an sso-session signs in with a device code, as the AWS "
                  "CLI's does")


def test_the_console_on_a_desktop_opens_the_browser_here(monkeypatch):
    monkeypatch.setattr(flow_choice, "_is_macos", lambda: False)
    assert choose("auto", SSO, {"DISPLAY": ":0"}, console=True, container=False) == Choice(
        "pkce", "the browser runs on this machine")
    assert choose("auto", SSO, {"WAYLAND_DISPLAY": "wayland-0"}, console=True,
                  container=False).flow == "pkce"


def test_the_console_without_a_display_gets_the_device_code(monkeypatch):
    monkeypatch.setattr(flow_choice, "_is_macos", lambda: False)
    assert choose("auto", SSO, {}, console=True, container=False) == Choice(
        "device", "this machine has no display for a browser")
    monkeypatch.setattr(flow_choice, "_is_macos", lambda: True)  # a Mac has no DISPLAY
    assert choose("auto", SSO, {}, console=True, container=False).flow == "pkce"


def test_the_console_over_ssh_gets_the_device_code_even_with_a_display():
    assert choose("auto", SSO, {"DISPLAY": ":0", "SSH_CLIENT": "x"}, console=True,
                  container=False).flow == "device"


def test_the_choice_reads_as_a_sentence():
    assert str(Choice("pkce", "asked for")) == (
        "Signing in with one click in the browser: asked for.")
    assert str(Choice("device", "asked for")) == "Signing in with a device code: asked for."
