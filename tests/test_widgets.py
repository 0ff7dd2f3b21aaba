"""The widgets, in-process (ipywidgets work without a kernel), against the live emulator."""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta

import boto3
import ipywidgets
import pytest
from helpers import Approver, live_runtime, wait_until

from ssomagic import api
from ssomagic.engine.binding.kernel_binding import KernelBinding
from ssomagic.engine.config.read import load_config
from ssomagic.engine.errors import SsoMagicError
from ssomagic.engine.runtime import Runtime
from ssomagic.notebook.widgets import IdentityCard, LoginButton, ProfilePicker, panel


@pytest.fixture
def binding(config_file, home, live_emulator, monkeypatch):
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    yield KernelBinding(live_runtime(home))
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        os.environ.pop(name, None)


@pytest.fixture
def signed_in(binding, live_emulator):
    with Approver(live_emulator):
        api.login("dev", runtime=binding.runtime, listener=lambda e: None)
    return binding


def widget_state() -> str:
    return json.dumps(ipywidgets.Widget.get_manager_state(drop_defaults=False))


def test_login_button_shows_the_link_and_code_while_the_kernel_stays_free(binding,
                                                                         live_emulator):
    button = LoginButton("dev", binding=binding, runtime=binding.runtime)
    button.button.click()
    assert button.thread is not None and button.running  # click returned; the flow runs on
    wait_until(lambda: "ssomagic-user-code" in button.code_panel.value)
    code = live_emulator.state.pending_user_codes()[0]
    assert code in button.code_panel.value
    assert f"{live_emulator.url}/device?user_code={code}" in button.code_panel.value
    assert "The code expires in" in button.code_panel.value
    assert button.status == "Waiting for you to allow access..."
    live_emulator.approve(code)
    button.thread.result(10)
    assert button.status == "Signed in to my-sso."
    assert button.code_panel.value == ""  # the code panel is cleared after success


def test_login_button_cancel_stops_the_flow(binding, home, live_emulator):
    button = LoginButton("dev", binding=binding, runtime=Runtime(home=home))
    thread = button.start()
    wait_until(live_emulator.state.pending_user_codes)
    button.cancel_button.click()
    thread.result(5)
    assert thread.done() and not button.running
    assert button.status == "Sign-in cancelled. Run login again when you are ready."


def test_signing_in_with_the_button_binds_the_profile_and_fills_the_card(binding,
                                                                         live_emulator):
    card = IdentityCard(binding, runtime=binding.runtime)
    button = LoginButton("dev", binding=binding, runtime=binding.runtime,
                         on_signed_in=card._signed_in)
    with Approver(live_emulator):
        button.start().result(10)
    assert binding.profile == "dev" and os.environ["AWS_PROFILE"] == "dev"
    wait_until(lambda: card.state == "ready")
    assert "analytics-dev (111122223333)" in card.html.value
    assert "AWSReservedSSO_DataScientist_" in card.html.value


def test_identity_card_counts_down_and_warns_before_expiry(signed_in, home):
    identity = api.whoami("dev", runtime=signed_in.runtime)
    later = Runtime(home=home, now=lambda: identity.token_expires_at - timedelta(minutes=10))
    card = IdentityCard(signed_in, runtime=later, warn_before=900)
    card.show(identity)
    assert "10m 00s left" in card.html.value
    assert "The sign-in expires in 10m 00s" in card.html.value
    assert card.login.layout.display is None  # a sign-in button is offered


def test_a_card_for_an_expired_sign_in_says_when_it_expired(signed_in, home):
    expires = api.status("dev", runtime=signed_in.runtime).expires_at
    later = Runtime(home=home, now=lambda: expires + timedelta(minutes=1))
    card = IdentityCard(signed_in, runtime=later)
    card.offer_sign_in(load_config(later).profile("prod"))
    assert card.said == f"The sign-in to my-sso expired at {expires:%H:%M} UTC."
    assert card.login.layout.display is None and card.login.profile == "prod"


def test_a_card_for_a_sign_in_the_server_ended_says_so(signed_in, live_emulator):
    live_emulator.state.revoke_tokens()
    with pytest.raises(SsoMagicError):
        api.accounts(sso_session="my-sso", runtime=signed_in.runtime)  # the server refuses it
    card = IdentityCard(signed_in, runtime=signed_in.runtime)
    card.offer_sign_in(load_config(signed_in.runtime).profile("prod"))
    assert card.said == ("IAM Identity Center no longer accepts the sign-in to my-sso: "
                                  "it was signed out, or an administrator ended it.")
    assert card.login.layout.display is None


def test_a_card_for_a_profile_never_signed_in_says_just_that(binding):
    card = IdentityCard(binding, runtime=binding.runtime)
    card.offer_sign_in(load_config(binding.runtime).profile("dev"))
    assert card.said == "dev is not signed in."


def test_identity_card_marks_flagged_production_profiles(signed_in):
    identity = api.whoami("dev", runtime=signed_in.runtime)
    card = IdentityCard(signed_in, runtime=signed_in.runtime, production_profiles=["dev"])
    card.show(identity)
    assert "PRODUCTION" in card.html.value and card.production_toggle.value


def test_production_flag_toggled_on_the_card_is_kept_in_the_profile(signed_in, config_file):
    card = IdentityCard(signed_in, runtime=signed_in.runtime)
    card.show(api.whoami("dev", runtime=signed_in.runtime))
    assert "PRODUCTION" not in card.html.value
    card.production_toggle.value = True  # written off the kernel's thread
    wait_until(lambda: "PRODUCTION" in card.html.value)
    assert "ssomagic_production = true" in config_file.read_text()
    assert config_file.read_text().startswith("# Team AWS config: keep these comments.")


def test_identity_card_switches_profile(signed_in):
    signed_in.bind(load_config(signed_in.runtime).profile("dev"))
    card = IdentityCard(signed_in, runtime=signed_in.runtime)
    card.switch.value = "prod"
    wait_until(lambda: signed_in.profile == "prod")
    assert boto3.client("sts").get_caller_identity()["Account"] == "444455556666"


def test_identity_card_signs_out(signed_in):
    signed_in.bind(load_config(signed_in.runtime).profile("dev"))
    card = IdentityCard(signed_in, runtime=signed_in.runtime)
    card.show(api.whoami("dev", runtime=signed_in.runtime))
    card.logout_button.click()
    wait_until(lambda: card.state == "signed-out")
    assert signed_in.profile is None
    assert api.status("dev", runtime=signed_in.runtime).state == "signed out"


def test_picker_groups_profiles_by_session_and_account_with_names(signed_in):
    picker = ProfilePicker(runtime=signed_in.runtime, binding=signed_in)
    picker.loader.result(5)
    labels = [label for label, _ in picker.select.options]
    assert labels[0].startswith("my-sso / analytics-dev (111122223333) / DataScientist")
    assert labels[-1].startswith("https://d-1234567890.awsapps.com/start / ")


def test_picker_filters_as_you_type(signed_in):
    picker = ProfilePicker(runtime=signed_in.runtime, binding=signed_in)
    picker.loader.result(5)
    picker.filter.value = "prod readonly"
    assert [name for _, name in picker.select.options] == ["prod"]


def test_choosing_a_signed_in_profile_binds_it(signed_in):
    picker = ProfilePicker(runtime=signed_in.runtime, binding=signed_in)
    picker.select.value = "prod"
    wait_until(lambda: signed_in.profile == "prod")
    assert os.environ["AWS_PROFILE"] == "prod"


def test_panel_offers_sign_in_for_a_profile_that_is_not_signed_in(binding):
    box = panel(runtime=binding.runtime, binding=binding)
    box.picker.select.value = "legacy"
    wait_until(lambda: box.login.profile == "legacy" and box.login.layout.display is None)
    assert box.card.state == "signed-out"
    # Nobody is on the card: nothing to sign out of or mark as production.
    assert box.card.logout_button.layout.display == "none"
    assert box.card.production_toggle.layout.display == "none"


def test_the_panel_has_one_sign_in_button_at_most(binding):
    def buttons(widget):
        found = [widget] if isinstance(widget, LoginButton) else []
        for child in getattr(widget, "children", ()):
            found += buttons(child)
        return found

    box = panel(runtime=binding.runtime, binding=binding)
    assert len(buttons(box)) == 1


def test_no_widget_state_holds_a_secret(signed_in, live_emulator):
    box = panel(runtime=signed_in.runtime, binding=signed_in)
    box.picker.select.value = "dev"
    # Binding happens on a thread; the card follows it and loads the identity on another.
    wait_until(lambda: box.card.state == "ready" and "analytics-dev" in box.card.html.value)
    state = widget_state()
    secrets = live_emulator.state.issued_secrets()
    assert "analytics-dev" in state
    assert secrets and not [s for s in secrets if s in state]


def test_closing_forty_cards_leaves_no_timer_and_no_observer(signed_in):
    from ssomagic.notebook.widgets.background import ticker

    ipywidgets.Widget.close_all()  # earlier tests' widgets, still alive in ipywidgets' registry
    observers_before = signed_in.observer_count("changes")
    cards = [IdentityCard(signed_in, runtime=signed_in.runtime) for _ in range(40)]
    assert len(ticker) == 40 and ticker.running
    for card in cards:
        card.close()
    assert len(ticker) == 0
    wait_until(lambda: not ticker.running, timeout=5)  # the ticker thread ends by itself
    assert signed_in.observer_count("changes") == observers_before


def test_a_closed_login_button_cancels_its_sign_in(binding, live_emulator):
    button = LoginButton("dev", binding=binding, runtime=binding.runtime)
    running = button.start()
    wait_until(live_emulator.state.pending_user_codes)
    button.close()
    running.result(5)
    assert not button.running and binding.profile is None


def test_an_error_in_background_work_is_shown_in_the_widget(binding, config_file):
    config_file.write_text("[profile dev\nregion = x\n")  # a malformed config
    button = LoginButton("dev", binding=binding, runtime=binding.runtime)
    button.start().result(5)
    assert button.status.startswith("Unable to parse config file:")
    assert not button.running and not button.button.disabled


def test_stopping_the_export_during_a_renewal_keeps_it_stopped(signed_in, monkeypatch):
    import threading

    signed_in.bind(load_config(signed_in.runtime).profile("dev"))
    export = signed_in.env_export
    export.start()
    fetching, release = threading.Event(), threading.Event()
    credentials = boto3.DEFAULT_SESSION.get_credentials()

    class SlowSession:  # the renewal is still fetching credentials when the stop comes
        def get_credentials(self):
            fetching.set()
            release.wait(5)
            return credentials

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", SlowSession())
    renewal = threading.Thread(target=export._write, args=(export._epoch,))
    renewal.start()
    fetching.wait(5)
    export.stop()
    release.set()
    renewal.join(5)
    assert "AWS_SECRET_ACCESS_KEY" not in os.environ and not export.active


def test_the_configure_wizard_writes_nothing_before_write(home, live_emulator):
    from ssomagic.notebook.widgets import ConfigureWizard

    runtime = live_runtime(home)
    config = home / ".aws" / "config"
    wizard = ConfigureWizard(runtime=runtime, binding=KernelBinding(runtime))
    wizard.start_url.value = "https://d-1234567890.awsapps.com/start"
    wizard.region.value = "us-east-1"
    with Approver(live_emulator):
        wizard.login.start().result(10)
    wait_until(lambda: len(wizard.choices.options) == 5)
    wizard.filter.value = "sandbox"
    assert [label for label, _ in wizard.choices.options] == [
        "sandbox (777788889999) / AdministratorAccess", "sandbox (777788889999) / DataScientist"]
    wizard.choices.value = (wizard.choices.options[1][1],)
    assert "+[profile DataScientist-777788889999]" in wizard.preview.value
    assert "+[sso-session d-1234567890]" in wizard.preview.value
    assert not config.exists()  # signed in, previewed, and still nothing written
    wizard.write_button.click()
    wait_until(lambda: "Wrote " in wizard.message.value)
    assert ("[profile DataScientist-777788889999] and [sso-session d-1234567890]."
            in wizard.message.value)
    assert "[profile DataScientist-777788889999]\nsso_session = d-1234567890\n" in \
        config.read_text()
    wizard.write()  # again: the section is there already, and the wizard says so
    assert "Nothing to write" in wizard.message.value


def test_the_wizard_picks_several_roles_with_plain_ticks_no_ctrl_click(home, live_emulator):
    """Each role is a checkbox: a second tick adds to the first instead of replacing it."""
    from ssomagic.notebook.widgets import ConfigureWizard

    runtime = live_runtime(home)
    wizard = ConfigureWizard(runtime=runtime, binding=KernelBinding(runtime),
                             start_url="https://d-1234567890.awsapps.com/start",
                             region="us-east-1")
    try:
        with Approver(live_emulator):
            wizard.login.start().result(10)
        wait_until(lambda: len(wizard.choices.options) == 5)
        boxes = {box.description: box for box in wizard.choices.items.children}
        assert all(isinstance(box, ipywidgets.Checkbox) for box in boxes.values())
        boxes["sandbox (777788889999) / DataScientist"].value = True
        boxes["sandbox (777788889999) / AdministratorAccess"].value = True
        assert "+[profile DataScientist-777788889999]" in wizard.preview.value
        assert "+[profile AdministratorAccess-777788889999]" in wizard.preview.value
        wizard.filter.value = "admin"  # filtering keeps the ticks of what stays shown
        assert [wizard.access[i].role_name for i in wizard.choices.value] == [
            "AdministratorAccess"]
    finally:
        wizard.close()


def test_closing_the_wizard_writes_nothing(home, live_emulator):
    from ssomagic.notebook.widgets import ConfigureWizard

    runtime = live_runtime(home)
    wizard = ConfigureWizard(runtime=runtime, binding=KernelBinding(runtime),
                             start_url="https://d-1234567890.awsapps.com/start",
                             region="us-east-1")
    running = wizard.login.start()
    wait_until(live_emulator.state.pending_user_codes)
    wizard.close()
    running.result(5)
    assert not (home / ".aws" / "config").exists()


def test_a_closed_card_leaves_no_widget_in_the_saved_state(signed_in):
    ipywidgets.Widget.close_all()
    card = IdentityCard(signed_in, runtime=signed_in.runtime)
    card.close()
    left = {m["model_name"] for m in json.loads(widget_state())["state"].values()}
    # Layouts and styles are models of their own that ipywidgets never closes; no view is left.
    assert all(n == "LayoutModel" or n.endswith("StyleModel") for n in left), left


def test_the_picker_marks_a_role_the_sign_in_does_not_grant(signed_in, config_file):
    config_file.write_text(config_file.read_text() + (
        "[profile nope]\nsso_session = my-sso\nsso_account_id = 111122223333\n"
        "sso_role_name = AdministratorAccess\n"))
    api.accounts(sso_session="my-sso", runtime=signed_in.runtime)  # the sign-in's listing
    picker = ProfilePicker(runtime=signed_in.runtime, binding=signed_in)
    try:
        picker.loader.result(timeout=30)
        labels = {name: label for label, name in picker.select.options}
        assert labels["nope"].endswith("(not granted to you)")
        assert "not granted" not in labels["dev"]
    finally:
        picker.close()


def test_the_picker_shows_the_bound_profile_chosen_from_the_start(signed_in):
    signed_in.bind(load_config(signed_in.runtime).profile("prod"))
    picker = ProfilePicker(runtime=signed_in.runtime, binding=signed_in)
    try:
        assert picker.select.value == "prod"
    finally:
        picker.close()


def test_the_panel_has_one_selector(signed_in):
    box = panel(runtime=signed_in.runtime, binding=signed_in)
    try:
        assert box.card.switch.layout.display == "none"
    finally:
        box.close()


def test_the_wizard_starts_from_the_configured_session(signed_in):
    from ssomagic.notebook.widgets import ConfigureWizard

    wizard = ConfigureWizard(runtime=signed_in.runtime, binding=signed_in)
    try:
        assert wizard.start_url.value == "https://d-1234567890.awsapps.com/start"
        assert wizard.session_name.value == "my-sso"
        assert wizard.start_url.placeholder.startswith("e.g. ")
    finally:
        wizard.close()


def test_a_saved_card_is_as_of_when_it_was_asked_not_when_saved(signed_in):
    from datetime import timedelta as span

    card = IdentityCard(signed_in, runtime=signed_in.runtime, follow_binding=False)
    try:
        from ssomagic.engine.access.identity import whoami

        card.show(whoami(load_config(signed_in.runtime).profile("dev"), signed_in.runtime))
        first = card.fallback()[0]
        card._identity_at -= span(hours=1)  # as if an hour passed before the save
        assert card.fallback()[0] != first  # the fallback follows the time it was asked
    finally:
        card.close()


def test_the_wizards_saved_form_says_what_it_is(home):
    from ssomagic.notebook.widgets import ConfigureWizard

    runtime = live_runtime(home)
    wizard = ConfigureWizard(runtime=runtime, binding=KernelBinding(runtime),
                             start_url="https://d-1234567890.awsapps.com/start")
    try:
        text = wizard._repr_mimebundle_()["text/plain"]
        assert text.startswith("The configure wizard: start URL https://d-1234567890")
        assert "%sso configure --start-url URL" in text
    finally:
        wizard.close()


def test_binding_observers_run_after_the_change_with_no_lock_held(signed_in):
    """An observer that takes its time (the environment export fetches credentials) must not
    hold up another thread's use of the binding, nor see the old profile."""
    seen, other_done = [], threading.Event()

    def slow_observer(change):
        seen.append((change["new"], signed_in.profile))
        other = threading.Thread(target=lambda: (signed_in.forget_sessions(),
                                                 other_done.set()))
        other.start()
        other.join(2)

    signed_in.observe(slow_observer, names="profile")
    try:
        signed_in.bind(load_config(signed_in.runtime).profile("prod"))
    finally:
        signed_in.unobserve(slow_observer, names="profile")
    assert seen == [("prod", "prod")]
    assert other_done.is_set(), "another thread waited on the binding's lock for the observer"


def test_a_click_on_production_while_the_ticker_renders_the_card_is_not_lost(signed_in,
                                                                            config_file):
    """The ticker re-renders on its own thread; the user's click arrives on the kernel's. The
    card tells its own changes from the user's by thread, so neither passes for the other."""
    card = IdentityCard(signed_in, runtime=signed_in.runtime)
    try:
        card.show(api.whoami("dev", runtime=signed_in.runtime))
        rendering, clicked = threading.Event(), threading.Event()

        def ticker_mid_render():
            with card._own_change():  # as _render does while it sets the toggle
                rendering.set()
                clicked.wait(5)

        ticker = threading.Thread(target=ticker_mid_render)
        ticker.start()
        rendering.wait(5)
        card.production_toggle.value = True  # the user, meanwhile
        clicked.set()
        ticker.join(5)
        wait_until(lambda: "ssomagic_production = true" in config_file.read_text())
    finally:
        card.close()
