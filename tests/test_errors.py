"""What engine/errors.py promises of every error, whichever part of the engine raises it: a
message, then what to do (never a bare trailing space), whether trying again may help, and the
words of the errors built here rather than where they arise (a sign-in cancelled, a role not
granted, a listing cut short, a chain STS refused).

Where an error's words depend on a live exchange they are specified there (test_gateway,
test_device_flow_words, test_config_words, test_chained_profiles); these are the rest."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ssomagic.engine.errors import (
    BadAnswerError,
    ConfigError,
    ConfigParseError,
    ListingIncompleteError,
    LoginCancelledError,
    LoginFailedError,
    NoAccessError,
    ServiceError,
    SsoMagicError,
    TimedOutError,
)


def test_an_error_without_advice_reads_as_its_message_alone():
    error = SsoMagicError("The config has no profiles.")
    assert str(error) == "The config has no profiles."
    assert (error.message, error.hint) == ("The config has no profiles.", "")


def test_an_error_with_advice_reads_as_the_message_then_the_advice():
    error = SsoMagicError("Not signed in.", "Run `ssomagic login dev`.")
    assert str(error) == "Not signed in. Run `ssomagic login dev`."
    assert (error.message, error.hint) == ("Not signed in.", "Run `ssomagic login dev`.")


@pytest.mark.parametrize(("fault", "passes"), [
    ("network", True), ("service", True), ("request", False), ("clock", False),
    ("answer", False)])
def test_only_the_networks_and_the_services_faults_pass_by_themselves(fault, passes):
    assert ServiceError("AWS failed.", fault=fault).retry_helps is passes


def test_a_service_error_is_the_services_fault_unless_told_and_carries_no_code():
    error = ServiceError("AWS failed.")
    assert (error.fault, error.code, error.hint, str(error)) == (
        "service", None, "", "AWS failed.")


def test_a_deadline_that_passed_is_a_network_fault_and_keeps_its_last_code():
    error = TimedOutError("No answer in 45 s.", code="ReadTimeoutError")
    assert (error.fault, error.code, error.retry_helps, str(error)) == (
        "network", "ReadTimeoutError", True, "No answer in 45 s.")


def test_a_parse_error_keeps_the_file_and_the_line_it_names():
    error = ConfigParseError("/home/ada/.aws/config", 3, "cannot read 'x'")
    assert (error.path, error.line) == ("/home/ada/.aws/config", 3)
    assert str(error) == (
        "Unable to parse config file: /home/ada/.aws/config, line 3: cannot read 'x'. Fix "
        "that line by hand (ssomagic will not rewrite a file it cannot read).")


def test_a_failed_sign_in_is_an_error_unless_its_reason_is_given():
    assert LoginFailedError("The sign-in failed.").reason == "error"
    assert str(LoginFailedError("The sign-in failed.")) == "The sign-in failed."
    assert LoginFailedError("The code expired.", reason="expired").reason == "expired"


def test_a_cancelled_sign_in_says_so_and_how_to_start_again():
    error = LoginCancelledError()
    assert str(error) == "Sign-in cancelled. Run login again when you are ready."
    assert error.reason == "cancelled"


def test_a_role_not_granted_names_the_roles_the_user_has_there():
    error = NoAccessError("111122223333", "Admin", ["DataScientist", "ReadOnlyAccess"])
    assert str(error) == ("No access to role Admin in account 111122223333. Roles you do have "
                          "in 111122223333: DataScientist, ReadOnlyAccess.")
    assert (error.account_id, error.role, error.available) == (
        "111122223333", "Admin", ["DataScientist", "ReadOnlyAccess"])


def test_a_role_in_an_account_without_roles_says_there_are_none():
    assert str(NoAccessError("111122223333", "Admin", [])) == (
        "No access to role Admin in account 111122223333. You have no roles in account "
        "111122223333.")


def test_a_role_not_granted_where_the_roles_are_unknown_says_whom_to_ask():
    assert str(NoAccessError("111122223333", "Admin", None)) == (
        "No access to role Admin in account 111122223333. Ask your administrator for access, "
        "or choose another role.")


def chain(name: str, **values: str) -> SimpleNamespace:
    return SimpleNamespace(name=name, role_arn="arn:aws:iam::555566667777:role/DataReader",
                           source=SimpleNamespace(name="dev"), values=values,
                           account_id="555566667777", role_name="DataReader")


def test_a_chain_whose_trust_refuses_it_keeps_the_account_and_role_it_wanted():
    error = NoAccessError.to_assume(chain("data", external_id="x-1"))
    assert (error.account_id, error.role, error.available) == (
        "555566667777", "DataReader", None)
    assert str(error) == (
        "AWS STS did not let dev assume arn:aws:iam::555566667777:role/DataReader for profile "
        "data (AccessDenied). The role's trust policy must let dev's account in, with the "
        "profile's external_id; ask your administrator, or check role_arn, source_profile and "
        "external_id in your config.")


def test_a_chain_sts_refused_as_asked_quotes_sts_once_and_names_the_section():
    assert str(ConfigError.assume_refused(chain("data"), "Too long.")) == (
        "AWS STS would not let dev assume arn:aws:iam::555566667777:role/DataReader for "
        "profile data: Too long. Check role_session_name, duration_seconds and external_id of "
        "[profile data] in your config.")
    assert str(ConfigError.assume_refused(chain("default"), "")).startswith(
        "AWS STS would not let dev assume arn:aws:iam::555566667777:role/DataReader for "
        "profile default: ValidationError. Check role_session_name, duration_seconds and "
        "external_id of [default] in your config.")


def test_a_listing_cut_short_at_the_quota_says_how_long_the_rest_needs():
    error = ListingIncompleteError("the AWS access portal", listed=600, found=1_500,
                                   all_found=True, seconds=45.2, rate=20.0, code=None)
    assert str(error) == (
        "Listed the roles of 600 of 1,500 accounts in 45s; the AWS access portal allows "
        "about 20 calls a second, so the other 900 need about 45s more. Populate lists them "
        "all while it shows its progress, and every command then reuses that listing: "
        "`ssomagic populate --dry-run SESSION`.")
    assert (error.listed, error.found, error.code, error.fault) == (
        600, 1_500, None, "network")


def test_a_listing_cut_short_before_all_accounts_were_found_says_at_least():
    error = ListingIncompleteError("the AWS access portal", listed=600, found=1_000,
                                   all_found=False, seconds=45, rate=20.0, code=None)
    assert str(error).startswith(
        "Listed the roles of 600 of at least 1,000 accounts in 45s; the AWS access portal "
        "allows about 20 calls a second, so the other 400 or more need about 20s more.")


def test_a_listing_cut_short_without_a_measured_rate_gives_the_last_answer():
    error = ListingIncompleteError("the AWS access portal", listed=3, found=10,
                                   all_found=True, seconds=45, rate=None,
                                   code="ReadTimeoutError")
    assert str(error).startswith(
        "Listed the roles of 3 of 10 accounts in 45s (last answer: ReadTimeoutError). "
        "Populate lists")
    assert error.code == "ReadTimeoutError"
    assert str(ListingIncompleteError("the AWS access portal", listed=3, found=10,
                                      all_found=True, seconds=45, rate=None, code=None)
               ).startswith("Listed the roles of 3 of 10 accounts in 45s. Populate lists")


def test_an_answer_that_is_not_the_apis_is_the_answers_fault_and_names_the_service():
    error = BadAnswerError("the AWS access portal", "list your accounts", "missing roleList")
    assert str(error) == (
        "The AWS access portal answered the request to list your accounts with something "
        "that is not what the API promises (missing roleList). A proxy or a wrong "
        "AWS_ENDPOINT_URL_* setting often does this; check them, then try again.")
    assert (error.fault, error.code, error.retry_helps) == ("answer", None, False)
