"""Which folders ssomagic trusts with tokens (engine/files/trust.py), judged on their own: from
HOME down, nothing above it; every refusal's words; and a link never followed, even one that
appears between the check and the read."""

from __future__ import annotations

import pytest

from ssomagic.engine.errors import LocalStateError
from ssomagic.engine.files import trust
from ssomagic.engine.runtime import Runtime


@pytest.fixture
def runtime(tmp_path):
    """HOME inside a folder every user may write (as /home is on some shared machines)."""
    above = tmp_path / "shared"
    above.mkdir()
    above.chmod(0o777)
    (above / "me").mkdir(mode=0o700)
    return Runtime(home=above / "me", environ={})


def test_folders_above_home_are_not_ours_to_judge(runtime):
    cache = runtime.home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    assert trust.problem(cache, runtime) is None


def test_a_folder_outside_home_is_judged_alone(runtime, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    assert trust.problem(elsewhere, runtime) is None
    elsewhere.chmod(0o777)
    assert trust.problem(elsewhere, runtime) is not None


def test_a_folder_every_user_may_write_is_refused_saying_how_to_fix_it(runtime):
    aws = runtime.home / ".aws"
    (aws / "sso").mkdir(parents=True)
    aws.chmod(0o777)
    with pytest.raises(LocalStateError) as caught:
        trust.require(aws / "sso", runtime, "sign-in tokens")
    assert str(caught.value) == (
        f"ssomagic will not use sign-in tokens in {aws / 'sso'}: {aws} is writable by every "
        "user (mode 0777), so another user could plant a token there or read yours. To fix "
        f"it, run `chmod o-w {aws}` (or `chmod 700 {aws}`).")


def test_a_sticky_folder_every_user_may_write_is_trusted(runtime):
    aws = runtime.home / ".aws"
    aws.mkdir()
    aws.chmod(0o1777)  # as /tmp: nobody may replace another's files
    assert trust.problem(aws, runtime) is None


def test_a_file_where_a_folder_should_be_names_it(runtime):
    (runtime.home / ".aws").write_text("")
    assert trust.problem(runtime.home / ".aws" / "sso", runtime) == (
        runtime.home / ".aws", "is a file, not a folder", f"move {runtime.home / '.aws'} away")


def test_a_link_is_refused_naming_what_it_stands_for(runtime, tmp_path):
    link = runtime.home / "token.json"
    link.symlink_to(tmp_path / "anything")
    with pytest.raises(LocalStateError) as caught:
        trust.not_a_link(link, "sign-in tokens")
    assert str(caught.value) == (
        f"{link} is a symbolic link; ssomagic does not follow links for sign-in tokens, since "
        f"one can point at any file. Remove the link ({link}) and try again.")


def test_reading_never_follows_a_link_that_appeared_after_the_check(runtime, tmp_path):
    target = tmp_path / "someone-elses.json"
    target.write_text('{"accessToken": "theirs"}')
    link = runtime.home / "token.json"
    link.symlink_to(target)
    with pytest.raises(OSError):
        trust.read_text(link)
    assert trust.read_text(target) == '{"accessToken": "theirs"}'
