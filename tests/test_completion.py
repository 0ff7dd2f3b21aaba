"""<TAB> after %sso: subcommands, options and profile names, from the config alone."""

from __future__ import annotations

import pytest
from helpers import CONFIG
from IPython.core.completer import provisionalcompleter
from IPython.core.interactiveshell import InteractiveShell

import ssomagic
from ssomagic.notebook.completion import SUBCOMMANDS, complete

SIGN_IN_ONLY = "\n[profile sign-in-only]\nsso_session = my-sso\n"


@pytest.fixture
def config(config_file):
    config_file.write_text(CONFIG + SIGN_IN_ONLY)
    return config_file


def test_the_first_word_completes_to_the_subcommands(config, runtime):
    assert complete("%sso ", runtime) == [*SUBCOMMANDS, "--help"]


def test_use_offers_the_profiles_that_have_a_role(config, runtime):
    assert complete("%sso use ", runtime) == ["dev", "prod", "legacy", "--help"]


def test_login_also_offers_a_profile_that_can_only_sign_in(config, runtime):
    assert "sign-in-only" in complete("%sso login ", runtime)
    assert "sign-in-only" not in complete("%sso whoami ", runtime)


def test_a_dash_completes_the_subcommands_options(config, runtime):
    assert complete("%sso logout --", runtime) == ["--all", "--sso-session", "--help"]
    assert complete("%sso login dev -", runtime) == ["--force", "--sso-session", "--profile",
                                                     "--use-device-code", "--pkce", "--help"]


def test_once_the_profile_is_there_only_options_are_offered(config, runtime):
    assert complete("%sso login dev ", runtime) == ["--force", "--sso-session", "--profile",
                                                    "--use-device-code", "--pkce", "--help"]
    assert complete("%sso login --force ", runtime)[:3] == ["dev", "prod", "legacy"]


def test_subcommands_without_a_profile_offer_only_their_options(config, runtime):
    assert complete("%sso env ", runtime) == ["--off", "--help"]
    assert complete("%sso profiles ", runtime) == ["--help"]


def test_the_cell_magic_completes_one_profile_with_a_role(config, runtime):
    assert complete("%%sso ", runtime) == ["dev", "prod", "legacy"]
    assert complete("%%sso dev ", runtime) == []


def test_a_malformed_config_completes_subcommands_but_no_profiles(config, runtime):
    config.write_text("[profile broken\n")
    assert complete("%sso use ", runtime) == ["--help"]
    assert complete("%sso ", runtime)[0] == "login"


def tab(ip, code):
    """What Jupyter's complete_request gets back for the cursor at the end of ``code``."""
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(code, len(code))]


def test_tab_in_ipython_reaches_the_completer(config):
    ip = InteractiveShell.instance()
    ssomagic.load_ipython_extension(ip)
    try:
        assert tab(ip, "%sso use pr") == ["prod"]
        assert tab(ip, "%sso l") == ["login", "logout"]
        assert tab(ip, "%sso login --f") == ["--force"]
        assert tab(ip, "%%sso d") == ["dev"]
    finally:
        ssomagic.unload_ipython_extension(ip)


def test_after_sso_session_the_value_completes_session_names(config_file, runtime):
    assert complete("%sso login --sso-session ", runtime) == ["my-sso"]
    assert complete("%sso status --sso-session m", runtime) == ["my-sso"]
