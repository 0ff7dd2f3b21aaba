"""Nothing lost while others write: an editor saving ~/.aws/config in place while populate
runs, a file caught half-written, and a config that is a symlink into a dotfiles repository."""

from __future__ import annotations

import threading
import time

import pytest
from helpers import live_runtime

from ssomagic import api
from ssomagic.engine.config.read import load_config
from ssomagic.engine.config.write import set_profile
from ssomagic.engine.errors import ConfigParseError


@pytest.fixture
def signed_in(signed_in_session):
    api.accounts(sso_session="acme", runtime=signed_in_session)  # the listing, made once
    return signed_in_session


class InPlaceEditor:
    """An editor that saves in place (truncate, then write), adding a hand-written profile at
    each save; it reads the file just before each save, as an editor reloading it would."""

    def __init__(self, path, pause: float = 0.02) -> None:
        self.path, self.pause = path, pause
        self.saved: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(self.pause):
            text = self.path.read_text()
            name = f"hand-{n}"
            with open(self.path, "r+", encoding="utf-8") as f:
                f.truncate(0)
                f.write(text + f"[profile {name}]\nregion = eu-west-1\n")
            self.saved.append(name)
            n += 1

    def __enter__(self) -> InPlaceEditor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_an_editor_saving_in_place_while_populate_runs_loses_no_profile(signed_in, home):
    config = home / ".aws" / "config"
    runs = 0
    with InPlaceEditor(config) as editor:
        until = time.monotonic() + 2
        while time.monotonic() < until:
            # Alternate the region so that every run rewrites its five profiles.
            api.populate("acme", region=("eu-west-1", "us-east-1")[runs % 2], runtime=signed_in)
            runs += 1
    names = set(load_config(signed_in).profiles)
    assert runs > 5 and len(editor.saved) > 30
    assert set(editor.saved) <= names  # none of the editor's saves was written over
    report = api.populate("acme", runtime=signed_in)
    assert len(report.unchanged) + len(report.updated) == 5 and not report.added


def test_a_half_written_config_is_waited_for_not_reported(home, runtime):
    config = home / ".aws" / "config"
    config.parent.mkdir(parents=True)
    config.write_text("[profile a]\nregion = eu-west-1\n[profile b")  # an editor mid-save

    def finish() -> None:
        time.sleep(0.1)
        config.write_text("[profile a]\nregion = eu-west-1\n[profile b]\nregion = x\n")

    writer = threading.Thread(target=finish)
    writer.start()
    set_profile("c", {"region": "us-east-1"}, live_runtime(home))
    writer.join()
    assert {"a", "b", "c"} <= set(load_config(runtime).profiles)


def test_a_config_that_stays_broken_is_reported_and_kept(home, runtime):
    config = home / ".aws" / "config"
    config.parent.mkdir(parents=True)
    config.write_text("[profile b")
    with pytest.raises(ConfigParseError):
        set_profile("c", {"region": "us-east-1"}, runtime)
    assert config.read_text() == "[profile b"


def test_a_symlinked_config_is_written_through_its_link(home, tmp_path, runtime, monkeypatch):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "aws-config"
    real.write_text("# my dotfiles\n[default]\nregion = eu-west-1\n")
    real.chmod(0o600)
    link = home / ".aws" / "config"
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    set_profile("c", {"region": "us-east-1"}, runtime)
    assert link.is_symlink()
    assert real.read_text() == ("# my dotfiles\n[default]\nregion = eu-west-1\n"
                                "[profile c]\nregion = us-east-1\n")
    assert not [p for p in dotfiles.iterdir() if p.name.endswith(".tmp")]


def test_a_save_between_the_edits_look_and_its_read_is_kept_and_edited(home, runtime,
                                                                      monkeypatch):
    """An editor's save can land between the look that fingerprints the file and the read
    of its text: the edit starts again from the saved file rather than give up."""
    from ssomagic.engine.config import write

    config = home / ".aws" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[profile a]\nregion = eu-west-1\n")
    read, saves = write.read_config_text, []

    def an_editor_saves_first(path):
        if not saves:  # the racing save, once
            saves.append(path)
            config.write_text("# saved by the editor\n[profile a]\nregion = eu-west-1\n"
                              "\n[profile b]\nregion = us-east-1\n")
        return read(path)

    monkeypatch.setattr(write, "read_config_text", an_editor_saves_first)
    set_profile("c", {"region": "ap-south-1"}, runtime)
    assert saves and config.read_text() == (
        "# saved by the editor\n[profile a]\nregion = eu-west-1\n\n[profile b]\n"
        "region = us-east-1\n[profile c]\nregion = ap-south-1\n")
