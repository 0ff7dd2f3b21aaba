"""What counts as a credential in text (engine/aws/credential_patterns.py): every kind in every
syntax it is printed in is found and redacted, and what only looks alike (ARNs, account ids,
digests, short values, an access key id alone) is left as it is. Both the log redaction and
`ssomagic check` rely on these patterns, so they are specified here, without a notebook."""

from __future__ import annotations

import pytest

from ssomagic.engine.aws.credential_patterns import NEAR, REDACTED, find_in_text, redact

# Made-up values in the shapes of real ones.
KEY_ID = "ASIAQWERTYUIOPASDFGH"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
STS_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE" + "Ab1" * 20
SSO_ACCESS = "aoa" + "Xy9" * 40
SSO_REFRESH = "aor" + "Zq8" * 40
OPAQUE = "Mx3" * 25  # mixed case and digits, 75 characters, no known prefix
VALUE = "Ck7pQ2rS9tU4vW1xY6zA"  # 20 characters: long enough to be a secret


def kinds(text: str) -> dict[str, str]:
    return {secret: kind for kind, secret in find_in_text(text)}


@pytest.mark.parametrize("text", [
    f'{{"SecretAccessKey": "{SECRET_KEY}"}}',  # JSON, as STS and the CLI print it
    f"Credentials(secret_key='{SECRET_KEY}')",  # a repr
    f"AWS_SECRET_ACCESS_KEY={SECRET_KEY}",  # an env line
    f"export AWS_SECRET_ACCESS_KEY='{SECRET_KEY}'",
    f"set -x AWS_SECRET_ACCESS_KEY {SECRET_KEY}",  # fish
    f'$env:AWS_SECRET_ACCESS_KEY = "{SECRET_KEY}"',  # PowerShell
    f"aws_secret_access_key = {SECRET_KEY}",  # the credentials file
    f"'aws-secret-key' => '{SECRET_KEY}'",
    f"{{'secretAccessKey': b'{SECRET_KEY}'}}",  # bytes, in a botocore DEBUG record
], ids=["json", "repr", "env", "export", "fish", "powershell", "ini", "arrow", "bytes"])
def test_a_labelled_secret_key_is_found_in_every_syntax(text):
    assert kinds(text) == {SECRET_KEY: "secret access key"}


@pytest.mark.parametrize(("label", "kind"), [
    ("aws_session_token", "session token"),
    ("SessionToken", "session token"),
    ("X-Amz-Security-Token", "session token"),
    ("security_token", "session token"),
    ("accessToken", "SSO access token"),
    ("x-amz-sso_bearer_token", "SSO access token"),
    ("refreshToken", "SSO refresh token"),
    ("clientSecret", "client secret"),
    ("deviceCode", "device code"),
    ("codeVerifier", "PKCE code verifier"),
    ("'code'", "authorization code"),
])
def test_each_labelled_kind_is_named_for_what_it_is(label, kind):
    assert kinds(f"{label}: '{VALUE}'") == {VALUE: kind}


@pytest.mark.parametrize("text", [
    f"secret_key: '{VALUE[:15]}'",  # 15 characters: too short to be a secret
    f"code: '{VALUE}'",  # "code" with no quote before it is a word, not the OAuth field
    f"mysecret_key = {VALUE}",  # a label inside another word
    f"the session_token field = {VALUE}",  # label, then words: not its value
], ids=["short", "bare-code", "inside-a-word", "not-adjacent"])
def test_what_only_resembles_a_labelled_secret_is_not_one(text):
    assert kinds(text) == {}


def test_a_secret_key_right_after_its_access_key_id_is_found_without_a_label():
    assert kinds(f"| {KEY_ID} | {SECRET_KEY} |") == {
        SECRET_KEY: "secret access key (after its access key id)"}
    assert kinds(f"('AKIAQWERTYUIOPASDFGH', '{SECRET_KEY}', None)") == {
        SECRET_KEY: "secret access key (after its access key id)"}


def test_a_forty_character_value_far_from_any_access_key_id_is_not_taken_for_a_secret():
    assert kinds(f"{KEY_ID}{' ' * NEAR}{SECRET_KEY}") == {}
    assert kinds(f"{KEY_ID}{' ' * (NEAR - 41)}{SECRET_KEY}") != {}
    assert kinds(f"abc {SECRET_KEY}") == {}  # no key id before it at all


def test_an_access_key_id_is_not_a_secret_even_next_to_another():
    assert kinds(f"{KEY_ID} AKIAZXCVBNMLKJHGFDSA") == {}
    assert kinds(f"x{KEY_ID}0 {SECRET_KEY}") == {}  # a longer word that merely contains one


@pytest.mark.parametrize(("secret", "kind"), [
    (STS_TOKEN, "session token"),
    ("FwoGZXIvYXdzE" + "Ab1" * 20, "session token"),
    (SSO_ACCESS, "SSO access token"),
    (SSO_REFRESH, "SSO refresh token"),
])
def test_tokens_are_known_by_their_shape_with_no_label(secret, kind):
    assert kinds(f"printed {secret} here") == {secret: kind}


def test_shapes_need_their_length_and_their_own_start():
    assert kinds("printed " + "aoa" + "Xy9" * 30 + " here") == {}  # 93: too short for a token
    assert kinds("printed x" + SSO_ACCESS) == {}  # inside a longer word
    assert kinds("IQoJb3JpZ2luX2Vj" + "Ab1" * 10) == {}  # 30 after the prefix: too short


def test_an_opaque_value_just_after_a_word_for_a_credential_is_found_by_context():
    assert kinds(f"the token was {OPAQUE}") == {OPAQUE: "token (by context)"}
    assert kinds(f"bearer = '{OPAQUE}'") == {OPAQUE: "token (by context)"}
    assert kinds(f"Credentials: {OPAQUE}") == {OPAQUE: "token (by context)"}


@pytest.mark.parametrize("text", [
    "token sha256 " + "a1b2c3d4" * 8,  # a digest: no capital letter
    "token " + "A1B2C3D4" * 8,  # no small letter
    "token " + "AbCdEfGh" * 8,  # no digit
    "token " + "Ab1" * 19,  # 57 characters: too short
    "token" + "." * 41 + OPAQUE,  # more than 40 characters after the word
], ids=["hex", "upper", "no-digit", "short", "far"])
def test_context_alone_takes_only_a_long_mixed_opaque_value(text):
    assert kinds(text) == {}


@pytest.mark.parametrize("text", [
    "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef",
    "account 123456789012, role ReadOnlyAccess, region eu-west-1",
    "https://d-1234567890.awsapps.com/start/#/device?user_code=ABCD-EFGH",
    "sha1 of the start URL: 0123456789abcdef0123456789abcdef01234567",
])
def test_no_false_alarm_on_what_a_notebook_shows_every_day(text):
    assert kinds(text) == {}


def test_redact_replaces_every_secret_and_keeps_the_rest_byte_for_byte():
    text = (f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET_KEY}\n"
            f"AWS_SESSION_TOKEN={STS_TOKEN}\n")
    assert redact(text) == (f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={REDACTED}\n"
                            f"AWS_SESSION_TOKEN={REDACTED}\n")


@pytest.mark.parametrize("inner", [STS_TOKEN[:60], STS_TOKEN[1:61]],
                         ids=["its-start", "inside-it"])
def test_redact_takes_the_longest_secret_first_so_no_part_of_one_is_left(inner):
    """A labelled value that is also part of a shaped token: replaced first, it would leave
    the token's other characters behind."""
    text = f"sessionToken: '{inner}' then {STS_TOKEN}"
    assert redact(text) == f"sessionToken: '{REDACTED}' then {REDACTED}"


def test_redacted_text_holds_nothing_left_to_find():
    once = redact(f"accessToken: '{SSO_ACCESS}', refreshToken: '{SSO_REFRESH}'")
    assert kinds(once) == {} and redact(once) == once
