"""%sso and %%sso through IPython's InteractiveShell (a terminal-style shell: text output)."""

from __future__ import annotations

import os
import re

import boto3
import pytest
from helpers import CONFIG, Approver, live_runtime
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from ssomagic import api
from ssomagic.engine.binding.kernel_binding import KernelBinding
from ssomagic.engine.config.read import load_config
from ssomagic.notebook import exception_hook
from ssomagic.notebook.magics import SsoMagics


@pytest.fixture
def shell(config_file, home, live_emulator, monkeypatch):
    """IPython with %sso on a fresh binding, the emulator approving every code."""
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    ip = InteractiveShell.instance()
    runtime = live_runtime(home)
    binding = KernelBinding(runtime)
    magics = SsoMagics(ip, runtime=runtime, binding=binding)
    ip.register_magics(magics)
    exception_hook.install(ip, lambda: binding, lambda: magics.rich)
    ip.magics_instance = magics
    with Approver(live_emulator):
        yield ip
    exception_hook.uninstall(ip)
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        os.environ.pop(name, None)


def run(ip, code):
    """Run a cell; returns (stdout, result)."""
    with capture_output() as captured:
        result = ip.run_cell(code)
    return captured.stdout, result


def account():
    return boto3.client("sts").get_caller_identity()["Account"]


def test_help_lists_every_subcommand(shell):
    out, result = run(shell, "%sso --help")
    assert result.success
    listed = re.findall(r"^\s{4}(\w+)\s", out, re.M)  # argparse's subcommand lines
    assert listed == ["login", "logout", "use", "whoami", "status", "profiles", "picker",
                      "configure", "accounts", "populate", "console", "serve", "env"]


def test_each_subcommand_has_its_own_help(shell):
    out, _ = run(shell, "%sso login --help")
    assert "--force" in out and "PROFILE" in out


def test_login_shows_the_code_then_the_identity_and_binds_the_kernel(shell, live_emulator):
    out, result = run(shell, "%sso login dev")
    assert result.success
    code = live_emulator.state.snapshot()["device_authorizations"][0]["user_code"]
    assert f"\n{code}\n" in out
    assert "dev as ada" in out and "analytics-dev (111122223333)" in out
    assert os.environ["AWS_PROFILE"] == "dev" and os.environ["AWS_REGION"] == "eu-west-1"
    assert account() == "111122223333"


def test_login_reuses_a_valid_sign_in(shell, live_emulator):
    run(shell, "%sso login dev")
    out, _ = run(shell, "%sso login prod")
    assert "Already signed in to my-sso" in out
    assert len(live_emulator.state.requests("StartDeviceAuthorization")) == 1
    assert account() == "444455556666"


def test_login_force_starts_a_new_device_flow(shell, live_emulator):
    run(shell, "%sso login dev")
    run(shell, "%sso login dev --force")
    assert len(live_emulator.state.requests("StartDeviceAuthorization")) == 2


def test_interrupting_login_cancels_it_cleanly(config_file, home, live_emulator, monkeypatch):
    from ssomagic.engine.runtime import Runtime

    def interrupt(seconds):
        raise KeyboardInterrupt

    ip = InteractiveShell.instance()
    runtime = Runtime(home=home, sleep=interrupt)
    ip.register_magics(SsoMagics(ip, runtime=runtime, binding=KernelBinding(runtime)))
    from ssomagic.notebook.exception_hook import SignInStopped

    with pytest.raises(SignInStopped, match="Sign-in stopped") as cancelled:
        ip.run_line_magic("sso", "login dev")
    # The code stays good: allowing it anyway signs in at the next login, and the line says so.
    assert re.search(r"Code [A-Z]{4}-[A-Z]{4} stays valid for \d+m", str(cancelled.value))
    assert "the next %sso login signs in with it" in str(cancelled.value)


def test_use_binds_a_signed_in_profile_and_every_later_client_follows(shell):
    run(shell, "%sso login dev")
    out, _ = run(shell, "%sso use prod")
    assert "Bound to prod: account 444455556666, role ReadOnlyAccess" in out
    assert account() == "444455556666"
    assert os.environ["AWS_PROFILE"] == "prod"


def test_use_before_login_says_to_sign_in(shell):
    with pytest.raises(UsageError, match=r"Sign in again: %sso login prod\."):
        shell.run_line_magic("sso", "use prod")


def test_use_removes_static_credentials_that_would_shadow_the_profile(shell, monkeypatch):
    run(shell, "%sso login dev")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIASTATIC")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "static-secret")
    out, _ = run(shell, "%sso use prod")
    assert "Removed AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY" in out
    assert "static-secret" not in out and "AKIASTATIC" not in out
    assert "AWS_ACCESS_KEY_ID" not in os.environ


@pytest.mark.parametrize("spec", ["analytics-prod/ReadOnlyAccess", "444455556666/ReadOnlyAccess"])
def test_account_slash_role_finds_the_matching_profile(shell, spec):
    run(shell, "%sso login dev")
    out, _ = run(shell, f"%sso use {spec}")
    assert "Bound to prod:" in out


def test_account_slash_role_without_a_profile_adds_one_like_aws_configure_sso(shell,
                                                                             config_file):
    run(shell, "%sso login dev")
    out, _ = run(shell, "%sso use sandbox/DataScientist")
    assert "Bound to DataScientist-777788889999:" in out
    assert "[profile DataScientist-777788889999]\nsso_session = my-sso\n" in (
        config_file.read_text())
    assert account() == "777788889999"


def test_cell_magic_runs_one_cell_under_another_profile_then_restores(shell):
    run(shell, "%sso login dev")
    out, result = run(shell, "%%sso prod\nimport boto3\n"
                             "print(boto3.client('sts').get_caller_identity()['Account'])")
    assert result.success and "444455556666" in out
    assert account() == "111122223333" and os.environ["AWS_PROFILE"] == "dev"


def test_cell_magic_restores_the_binding_when_the_cell_raises(shell):
    run(shell, "%sso login dev")
    _, result = run(shell, "%%sso prod\nraise ValueError('boom')")
    assert not result.success
    assert os.environ["AWS_PROFILE"] == "dev" and account() == "111122223333"


def test_status_shows_every_session_with_time_left(shell):
    run(shell, "%sso login dev")
    out, _ = run(shell, "%sso status")
    lines = out.splitlines()
    assert lines[0].split() == ["sso-session", "state", "time", "left", "until"]
    assert lines[1].startswith("my-sso") and "signed in" in lines[1] and "7h 59m" in lines[1]
    assert "signed out" in lines[2]


def test_profiles_shows_account_names_roles_and_regions(shell):
    run(shell, "%sso login dev")
    out, _ = run(shell, "%sso profiles")
    assert "prod     analytics-prod (444455556666)  ReadOnlyAccess" in out


def test_env_exports_credentials_without_printing_them_and_removes_them_on_switch(
        shell, live_emulator):
    run(shell, "%sso login dev")
    out, _ = run(shell, "%sso env")
    assert "They expire at" in out
    key = os.environ["AWS_ACCESS_KEY_ID"]
    assert key.startswith("ASIA") and os.environ["AWS_SESSION_TOKEN"]
    assert not [s for s in live_emulator.state.issued_secrets() if s in out]
    run(shell, "%sso use prod")
    assert "AWS_ACCESS_KEY_ID" not in os.environ and "AWS_SESSION_TOKEN" not in os.environ


def test_switching_after_env_removes_our_exported_keys_without_warning(shell):
    run(shell, "%sso login dev")
    run(shell, "%sso env")
    out, _ = run(shell, "%sso use prod")
    assert "Removed" not in out and "Bound to prod" in out


def test_logout_unbinds_the_kernel(shell):
    run(shell, "%sso login dev")
    out, _ = run(shell, "%sso logout")
    assert "Signed out of my-sso." in out
    assert "AWS_PROFILE" not in os.environ and boto3.DEFAULT_SESSION is None


def test_a_cell_failing_for_an_expired_sign_in_gets_a_short_explanation(shell, live_emulator):
    run(shell, "%sso login dev")
    live_emulator.state.revoke_tokens(role_credentials=True)
    out, result = run(shell, "import boto3\nboto3.client('sts').get_caller_identity()")
    assert not result.success
    assert out.startswith("Not signed in: The AWS sign-in for profile dev has expired")
    assert "Run: %sso login dev" in out and "Traceback" not in out


def test_clients_made_before_a_new_sign_in_recover_without_a_restart(shell, live_emulator):
    run(shell, "%sso login dev")
    run(shell, "import boto3\nsts = boto3.client('sts')\nsts.get_caller_identity()")
    live_emulator.state.revoke_tokens(role_credentials=True)
    _, failed = run(shell, "sts.get_caller_identity()")
    assert not failed.success
    run(shell, "%sso login dev --force")
    out, result = run(shell, "print(sts.get_caller_identity()['Account'])")
    assert result.success and "111122223333" in out


def test_role_credentials_sts_refuses_are_replaced_by_whoami_for_every_client(shell,
                                                                             live_emulator):
    run(shell, "%sso login dev")
    run(shell, "import boto3\nsts = boto3.client('sts')\nsts.get_caller_identity()")
    live_emulator.state.revoke_role_credentials()  # the sign-in stands
    out, result = run(shell, "%sso whoami dev")
    assert result.success and "111122223333" in out
    out, result = run(shell, "print(sts.get_caller_identity()['Account'])")  # the old client
    assert result.success and "111122223333" in out


def test_no_access_lists_the_roles_the_user_has(shell, config_file):
    config_file.write_text(config_file.read_text().replace(
        "sso_account_id = 444455556666\nsso_role_name = ReadOnlyAccess",
        "sso_account_id = 444455556666\nsso_role_name = DataScientist"))
    run(shell, "%sso login dev")
    magics = shell.magics_instance
    magics.binding.bind(load_config(magics.runtime).profile("prod"))
    out, _ = run(shell, "import boto3\nboto3.client('sts').get_caller_identity()")
    assert "No access: No access to role DataScientist in account 444455556666. " in out
    assert "Roles you do have in 444455556666: ReadOnlyAccess." in out


def test_other_errors_keep_the_usual_traceback(shell):
    out, result = run(shell, "1/0")
    assert not result.success
    assert "ZeroDivisionError" in out and "Traceback" in out


def test_options_are_configurable_traitlets():
    traits = SsoMagics.class_traits(config=True)
    assert {"production_profiles", "expiry_warning", "display_mode", "default_profile"} <= set(
        traits)


def test_access_denied_under_shadowing_static_credentials_names_them(shell, monkeypatch):
    run(shell, "%sso login dev")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIASTATIC")
    out, result = run(shell, "from botocore.exceptions import ClientError\n"
                             "raise ClientError({'Error': {'Code': 'AccessDenied', "
                             "'Message': 'denied'}}, 'GetObject')")
    assert not result.success
    assert out.startswith("Wrong account: Access denied, and AWS_ACCESS_KEY_ID in the "
                          "environment override profile dev (account 111122223333).")
    assert "AKIASTATIC" not in out


def test_access_denied_in_the_right_account_keeps_the_traceback(shell):
    run(shell, "%sso login dev")
    out, _ = run(shell, "from botocore.exceptions import ClientError\n"
                        "raise ClientError({'Error': {'Code': 'AccessDenied', "
                        "'Message': 'denied'}}, 'GetObject')")
    assert "Traceback" in out and "AccessDenied" in out


def test_whoami_with_nothing_bound_names_the_profiles_to_choose_from(shell):
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("sso", "whoami")
    message = str(caught.value)
    assert message.startswith("No profile is bound to this kernel, and the profile \"default\"")
    assert "%sso login PROFILE" in message and "dev, prod, legacy" in message


def test_profiles_in_a_config_without_sso_profiles_says_how_to_add_one(shell, config_file):
    config_file.write_text("[default]\nregion = eu-west-1\n")
    out, result = run(shell, "%sso profiles")
    assert result.success
    assert out.startswith("No SSO profiles in ") and "%sso configure" in out


def test_login_that_cannot_show_the_identity_says_the_sign_in_itself_stands(shell,
                                                                            live_emulator):
    live_emulator.state.set_fault("GetCallerIdentity", errors=50)
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("sso", "login dev")
    assert str(caught.value).startswith(
        "Signed in to my-sso and bound dev, but could not show who you are: AWS STS could not "
        "say who you are (InternalServerException), even after retrying.")
    assert os.environ["AWS_PROFILE"] == "dev"
    live_emulator.state.clear_faults()
    assert account() == "111122223333"


def test_sso_alone_in_a_terminal_shows_the_status(shell):
    out, result = run(shell, "%sso")
    assert result.success
    assert out.splitlines()[1].startswith("my-sso") and "signed out" in out


def test_sso_alone_in_a_notebook_shows_the_picker(shell, monkeypatch):
    monkeypatch.setattr(shell.magics_instance, "display_mode", "html")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **_: shown.extend(objs))
    shell.run_line_magic("sso", "")
    assert [type(w.picker).__name__ for w in shown] == ["ProfilePicker"]


def test_the_exception_handler_survives_a_malformed_config(shell, config_file):
    config_file.write_text("[profile dev\n")
    for _ in range(2):  # IPython switches off a handler that raised once; this one must not
        out, result = run(shell, "raise ValueError('boom')")
        assert not result.success
    assert shell.custom_exceptions == (Exception,)
    config_file.write_text(CONFIG)
    shell.run_line_magic("sso", "login dev")
    out, _ = run(shell, "from ssomagic.engine.errors import NotSignedInError\n"
                        "error = NotSignedInError('expired')\nerror.profile = 'dev'\n"
                        "raise error")
    assert "Run: %sso login dev" in out


def test_the_parser_the_help_and_the_completer_come_from_one_table(shell, runtime):
    from ssomagic.commands import NOTEBOOK, commands_for
    from ssomagic.notebook.completion import complete
    from ssomagic.notebook.magics import SsoMagics, parser

    for command in commands_for(NOTEBOOK):
        assert f"%sso {command.usage}" in SsoMagics.sso.__doc__
        args = parser().parse_argstring(f"{command.name} {'x' if command.required else ''}")
        assert args.command == command.name
        options = complete(f"%sso {command.name} -", runtime)
        assert options == [*(o.flag for o in command.options_for(NOTEBOOK)), "--help"]


def test_cell_magic_after_env_export_restores_fresh_exported_keys(shell):
    shell.run_line_magic("sso", "login dev")
    run(shell, "%sso env")
    exported = os.environ["AWS_ACCESS_KEY_ID"]
    run(shell, "%%sso prod\nimport os\nprod_key = os.environ.get('AWS_ACCESS_KEY_ID')")
    assert shell.user_ns["prod_key"] is None  # prod is not exported: dev's keys are gone
    assert os.environ["AWS_ACCESS_KEY_ID"] == exported  # dev's export is running again
    assert shell.magics_instance.binding.env_export.active


def test_whoami_from_python_shows_the_same_card_and_marker_as_the_magic(shell, config_file):
    import ssomagic

    config_file.write_text(CONFIG.replace("[profile prod]\n",
                                          "[profile prod]\nssomagic_production = true\n"))
    shell.run_line_magic("sso", "login prod")
    identity = ssomagic.whoami("prod", runtime=shell.magics_instance.runtime)
    data, _ = shell.display_formatter.format(identity)
    assert 'class="ssomagic-production"' in data["text/html"]
    assert "analytics-prod (444455556666)" in data["text/html"]
    assert data["text/plain"].startswith("prod [PRODUCTION] as ")


def test_login_to_an_sso_session_alone_binds_nothing(shell):
    out, result = run(shell, "%sso login --sso-session my-sso")
    assert result.success and "my-sso: signed in" in out
    assert "AWS_PROFILE" not in os.environ
    out, _ = run(shell, "%sso status --sso-session my-sso")
    assert out.splitlines()[1].startswith("my-sso") and "signed in" in out


def test_configure_accounts_and_populate_from_a_start_url(shell, home):
    config = home / ".aws" / "config"
    config.unlink()  # a newcomer: nothing but a start URL
    out, result = run(shell, "%sso configure --start-url https://d-1234567890.awsapps.com/start"
                             " --region us-east-1 --session acme")
    assert result.success and out.startswith("Added [sso-session acme]")
    run(shell, "%sso login --sso-session acme")
    out, _ = run(shell, "%sso accounts")
    assert "sandbox         777788889999  DataScientist        -" in out
    out, _ = run(shell, "%sso populate acme --role DataScientist --dry-run")
    assert "+[profile DataScientist-111122223333]" in out and "[profile" not in config.read_text()
    run(shell, "%sso populate acme --role DataScientist")
    out, _ = run(shell, "%sso use DataScientist-777788889999")
    assert "Bound to DataScientist-777788889999:" in out and account() == "777788889999"


def test_logout_alone_signs_out_of_every_session(shell):
    shell.run_line_magic("sso", "login dev")
    shell.run_line_magic("sso", "login legacy")
    out, _ = run(shell, "%sso logout")
    assert out.startswith("Signed out of ") and "my-sso" in out
    assert "AWS_PROFILE" not in os.environ


def test_the_explanation_names_the_profile_of_the_failing_call_not_the_bound_one(shell):
    run(shell, "%sso login dev")  # dev is bound; legacy has never signed in
    out, result = run(shell, "import boto3\n"
                             "boto3.Session(profile_name='legacy').client('sts')"
                             ".get_caller_identity()")
    assert not result.success
    assert out.startswith("Not signed in: The AWS sign-in for profile legacy has expired")
    assert "Run: %sso login legacy" in out and "dev" not in out


def test_after_logout_a_new_client_gets_one_line_not_a_region_traceback(shell):
    run(shell, "%sso login dev")
    run(shell, "%sso logout")
    out, result = run(shell, "import boto3\nboto3.client('sts').get_caller_identity()")
    assert not result.success and "Traceback" not in out
    assert out.startswith("Not signed in: No profile is bound to this kernel")
    assert "Run: %sso login dev" in out


def test_no_access_offers_no_sign_in_button(shell):
    from ssomagic.engine.errors import NoAccessError
    from ssomagic.notebook.exception_help import explain

    explanation = explain(NoAccessError("444455556666", "DataScientist", ["ReadOnlyAccess"]),
                          shell.magics_instance.binding)
    assert explanation is not None and explanation.title == "No access"
    assert explanation.profile is None


def test_use_refuses_a_role_the_sign_in_does_not_grant(shell, config_file):
    config_file.write_text(config_file.read_text() + "\n[profile wrong]\nsso_session = my-sso\n"
                           "sso_account_id = 444455556666\nsso_role_name = DataScientist\n")
    run(shell, "%sso login dev")
    out, result = run(shell, "%sso use wrong")
    assert not result.success or "No access" in out
    assert shell.magics_instance.binding.profile == "dev"  # nothing was bound
    with pytest.raises(UsageError, match="Roles you do have in 444455556666: ReadOnlyAccess"):
        shell.run_line_magic("sso", "use wrong")


def test_an_aws_profile_set_outside_ssomagic_is_followed_before_the_next_cell(shell):
    # The fixture registers the magics by hand; %load_ext registers this hook too.
    shell.events.register("pre_run_cell", shell.magics_instance.notice_environment)
    try:
        run(shell, "%sso login dev")
        run(shell, "%env AWS_PROFILE=prod")
        out, _ = run(shell, "import boto3\nprint(boto3.client('sts').get_caller_identity()"
                            "['Account'])")
        assert "AWS_PROFILE was set to prod; boto3 now uses it too." in out
        assert "444455556666" in out
        run(shell, "%env AWS_PROFILE=nope")
        out, _ = run(shell, "1")
        assert "AWS_PROFILE was set to nope outside ssomagic, but boto3 still uses prod" in out
        out, _ = run(shell, "1")
        assert "AWS_PROFILE" not in out  # said once
    finally:
        shell.events.unregister("pre_run_cell", shell.magics_instance.notice_environment)


def test_help_has_no_restructured_text_markup(shell):
    out, _ = run(shell, "%sso --help")
    assert not out.lstrip().startswith("::") and "::" not in out.split("\n", 3)[0]


def test_verbose_tracebacks_show_no_token_a_frame_held(shell):
    run(shell, "%sso login dev")
    run(shell, "%xmode Verbose")
    with capture_output() as captured:
        shell.run_cell(
            "from ssomagic.engine.config.read import load_config\n"
            "from ssomagic.engine.runtime import Runtime\n"
            "from ssomagic.engine.signin.tokens import current_token\n"
            "held = current_token(load_config().profile('dev').sso, runtime=Runtime())"
            ".access_token\n"
            "def fail(bearer):\n"
            "    raise ValueError('refused ' + bearer)\n"
            "fail(held)\n")
    run(shell, "%xmode Context")
    from ssomagic.engine.runtime import Runtime
    from ssomagic.engine.signin.tokens import current_token
    token = current_token(load_config().profile("dev").sso, runtime=Runtime()).access_token
    shown = captured.stdout + captured.stderr
    assert "ValueError" in shown and "bearer" in shown
    assert token not in shown
    assert "[REDACTED]" in shown


def test_a_broken_config_leaves_a_cells_own_error_as_ipython_shows_it(shell, config_file):
    config_file.write_text(config_file.read_text() + "[profile dev]\nregion = x\n")
    with capture_output() as captured:
        result = shell.run_cell("1/0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert "ZeroDivisionError" in captured.stdout
    ours = [line for line in (captured.stdout + captured.stderr).splitlines()
            if "ssomagic" in line]
    assert len(ours) == 1 and "section [profile dev] appears twice" in ours[0]
    assert "could not explain" not in captured.stdout + captured.stderr


def test_a_sso_command_on_a_broken_config_is_one_line(shell, config_file):
    config_file.write_text(config_file.read_text() + "[profile dev]\nregion = x\n")
    with capture_output() as captured:
        result = shell.run_cell("%sso status")
    shown = (captured.stdout + captured.stderr).strip()
    assert not result.success
    assert len(shown.splitlines()) == 1 and "appears twice" in shown, shown


def test_use_of_an_account_and_a_role_not_granted_lists_the_roles_you_have(shell):
    run(shell, "%sso login dev")
    with capture_output() as captured:
        result = shell.run_cell("%sso use analytics-prod/DataScientist")
    shown = captured.stdout + captured.stderr
    assert not result.success
    assert "No access to role DataScientist in account 444455556666." in shown
    assert "Roles you do have in 444455556666: ReadOnlyAccess." in shown


def test_login_with_pkce_says_which_way_and_signs_in_when_the_browser_comes_back(
        shell, live_emulator):
    import threading
    import urllib.request

    from helpers import wait_until

    with capture_output() as captured:
        def browser() -> None:
            wait_until(lambda: "/authorize?" in captured.stdout, timeout=20)
            url = next(line.strip() for line in captured.stdout.splitlines()
                       if "/authorize?" in line)
            urllib.request.urlopen(live_emulator.state.authorize(url), timeout=10).read()

        person = threading.Thread(target=browser)
        person.start()
        result = shell.run_cell("%sso login dev --pkce")
        person.join(20)
    assert result.success, captured.stdout
    assert ("Signing in with one click in the browser: asked for. The other way: "
            "%sso login --use-device-code.") in captured.stdout
    assert "Successfully signed in to my-sso" in captured.stdout
    assert account() == "111122223333"


def test_serve_sets_the_variables_follows_use_and_stops(shell):
    run(shell, "%sso login dev")
    out, result = run(shell, "%sso serve")
    assert result.success and "Serving dev's credentials at http://127.0.0.1:" in out
    token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    assert token not in out  # the token is a credential: never in an output
    run(shell, "%sso use prod")
    assert shell.magics_instance._endpoint.profile == "prod"
    out, _ = run(shell, "%sso serve --stop")
    assert "Stopped serving" in out and "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in os.environ


def test_an_interrupted_login_shows_its_line_without_usage_error_or_traceback(
        shell, home, live_emulator, monkeypatch):
    def interrupt(seconds):
        raise KeyboardInterrupt

    # Nobody approves this code (the shell's approver sees none pending): the wait is
    # interrupted, whichever comes first.
    monkeypatch.setattr(live_emulator.state, "pending_user_codes", lambda: [])

    from dataclasses import replace

    magics = shell.magics_instance
    magics._runtime = replace(magics.runtime, sleep=interrupt)
    with capture_output() as captured:
        result = shell.run_cell("%sso login dev --force")
    shown = captured.stdout + captured.stderr
    assert not result.success, shown  # Run All stops at it
    assert "Sign-in stopped." in shown
    assert "UsageError" not in shown and "Traceback" not in shown


def test_status_of_a_profile_shows_its_sso_session_alone_and_all_shows_every_one(shell):
    out, _ = run(shell, "%sso status legacy")
    assert "https://d-1234567890.awsapps.com/start" in out and "my-sso" not in out
    out, _ = run(shell, "%sso status legacy --all")
    assert "https://d-1234567890.awsapps.com/start" in out and "my-sso" in out


def test_a_sign_in_only_profile_gets_the_same_line_from_every_command_that_needs_a_role(
        shell, config_file):
    config_file.write_text(config_file.read_text() + "[profile signer]\nsso_session = my-sso\n")
    from ssomagic.engine.errors import NotAnSsoProfileError

    said = []
    for line in ("use signer", "whoami signer"):
        with pytest.raises(UsageError) as caught:
            shell.run_line_magic("sso", line)
        said.append(str(caught.value))
    with pytest.raises(NotAnSsoProfileError) as exported:
        api.export_credentials("signer", runtime=shell.magics_instance.runtime)
    said.append(str(exported.value))
    assert all(s.startswith('The profile "signer" names no sso_account_id and sso_role_name, '
                            "so it has no ") and s.endswith("Choose a profile with an account "
                                                            "and a role.") for s in said), said
