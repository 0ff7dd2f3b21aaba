"""Tab completion for %sso and %%sso: subcommands, their options and profile names.

Names come from the config file alone (parsed once per change), so <TAB> never waits on the
network and never imports boto3. The completer is an IPython matcher (API v2, in
``IPCompleter.custom_matchers``) that suppresses the others when it has an answer: without that,
Jedi reads ``%sso login --f`` as Python and offers ``filter`` and ``float`` beside ``--force``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..commands import BY_NAME, NOTEBOOK, ROLE_PROFILE, SESSION, commands_for

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

SUBCOMMANDS = tuple(c.name for c in commands_for(NOTEBOOK))


def profile_names(runtime: Runtime, *, with_role_only: bool) -> list[str]:
    from ..engine.config import load_config
    from ..engine.errors import SsoMagicError

    try:
        profiles = load_config(runtime).sso_profiles()
    except SsoMagicError:  # a malformed config: the command itself will say what is wrong
        return []
    return [p.name for p in profiles if p.has_role or not with_role_only]


def session_names(runtime: Runtime) -> list[str]:
    from ..engine.config import load_config
    from ..engine.errors import SsoMagicError

    try:
        return list(load_config(runtime).sso_sessions)
    except SsoMagicError:
        return []


def complete(text_until_cursor: str, runtime: Runtime) -> list[str]:
    """Candidates for the word being typed at the end of ``text_until_cursor``."""
    words = text_until_cursor.split()
    if not words:
        return []
    if text_until_cursor[-1].isspace():
        words.append("")  # starting a new word
    magic, args = words[0], words[1:]
    if not args:
        return []
    if magic.lstrip("%") != "sso":
        return []
    if magic.startswith("%%"):  # %%sso PROFILE: runs a cell as that profile, so it needs a role
        return profile_names(runtime, with_role_only=True) if len(args) == 1 else []
    if len(args) == 1:
        return [*SUBCOMMANDS, "--help"]
    command, typed, current = BY_NAME.get(args[0]), args[1:-1], args[-1]
    if command is None:
        return []
    options = [*(o.flag for o in command.options_for(NOTEBOOK)), "--help"]
    if typed and typed[-1] == "--sso-session" and not current.startswith("-"):
        return session_names(runtime)  # the option's value: a session, not a profile
    if current.startswith("-") or command.completes is None:
        return options
    if any(not word.startswith("-") for word in typed):
        return options  # PROFILE is already there
    if command.completes == SESSION:
        return session_names(runtime) + options
    return profile_names(runtime, with_role_only=command.completes == ROLE_PROFILE) + options


def install(shell: Any) -> None:
    """Add the matcher to ``shell``, once: %reload_ext must not stack a second one."""
    completer = getattr(shell, "Completer", None)
    if completer is None or any(getattr(m, "ssomagic", False)
                                for m in completer.custom_matchers):
        return
    from IPython.core.completer import SimpleCompletion, context_matcher

    @context_matcher()
    def sso_matcher(context: Any) -> dict[str, Any]:
        # The magics registered now (a reload replaces them), for their HOME and config file.
        magics = shell.magics_manager.registry.get("SsoMagics")
        if magics is None or not context.text_until_cursor.lstrip().startswith("%"):
            return {"completions": [], "suppress": False}
        found = [word for word in complete(context.text_until_cursor, magics.runtime)
                 if word.startswith(context.token)]
        return {"completions": [SimpleCompletion(word, type="sso") for word in found],
                "suppress": bool(found)}

    sso_matcher.ssomagic = True
    completer.custom_matchers.append(sso_matcher)
