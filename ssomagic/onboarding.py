"""The onboarding notebooks, generated with nbformat for an organisation's start URL.

One source for every copy: `ssomagic onboarding` writes one for a team, `notebooks/build.py`
writes the shipped ones (with the example start URL the emulator serves), and the demo copies
those. The notebooks start from nothing: a first cell holds the start URL and region, then
configure, sign in, accounts, ACCOUNT/ROLE; they are valid, output-free, with a kernelspec and
stable cell ids, so a rebuild of the same input is byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .engine.config import start_url as urls
from .engine.errors import ConfigError, SsoMagicError

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
EXAMPLE_START_URL = "https://d-1234567890.awsapps.com/start"  # what the emulator serves


@dataclass(frozen=True)
class Organisation:
    """What a team fills in: its start URL, region, sso-session name and the roles to show."""

    start_url: str
    region: str
    session: str
    # ACCOUNT/ROLE for the two roles the notebook shows; none given: the first two of the
    # reader's own listing (in two accounts where they can), so it runs for anyone.
    accounts: tuple[str, ...] = ()
    profile_template: str | None = None
    title: str = "Signing in to AWS from a notebook"

    @classmethod
    def checked(cls, start_url: str, *, region: str | None = None, session: str | None = None,
                accounts: Sequence[str] = (), profile_template: str | None = None,
                title: str | None = None, head: urls.Head | None = None) -> Organisation:
        """Every value checked as configure checks it; one line for the first fault."""
        url = urls.check_start_url(start_url)
        found_region = urls.region_for(url, region, head=head)
        for spec in accounts:
            if spec.count("/") != 1 or not all(spec.split("/")):
                raise ConfigError(f"{spec!r} is not ACCOUNT/ROLE.",
                                  "Write the account's name or id, a slash and the role, as "
                                  "in analytics-dev/DataScientist.")
        if profile_template is not None:
            from .engine.config.populate import check_template

            check_template(profile_template)
        return cls(url, found_region,
                   urls.check_session_name(session or urls.session_name_for(url)),
                   tuple(accounts), profile_template,
                   title or "Signing in to AWS from a notebook")


EXAMPLE = Organisation(EXAMPLE_START_URL, "us-east-1", "my-org")


def _settings(org: Organisation) -> str:
    first, other = [*org.accounts, "", ""][:2]
    return (f"START_URL = {json.dumps(org.start_url)}  # from your administrator\n"
            f"REGION = {json.dumps(org.region)}  # the region of its IAM Identity Center\n"
            f"SESSION = {json.dumps(org.session)}  # what this sign-in is called in "
            "~/.aws/config\n"
            f"ROLE = {json.dumps(first)}  # ACCOUNT/ROLE to work as; empty: your first role\n"
            f"OTHER_ROLE = {json.dumps(other)}  # a second one; empty: one in another account")


# After the sign-in: the roles the settings left empty, from the reader's own listing.
_CHOOSE_ROLES = (
    "import ssomagic\n\n"
    "mine = [f\"{a.account_name}/{a.role_name}\" for a in ssomagic.accounts(sso_session=SESSION)]"
    "\nROLE = ROLE or mine[0]\n"
    "OTHER_ROLE = OTHER_ROLE or next((r for r in mine if r.split(\"/\")[0] != "
    "ROLE.split(\"/\")[0]), ROLE)\n"
    "print(\"This notebook works as\", ROLE, \"and\", OTHER_ROLE)")


def _notebook(name: str, cells: list[tuple[str, str]]) -> dict:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    made = [new_markdown_cell(text) if kind == "md" else new_code_cell(text)
            for kind, text in cells]
    # The settings cell: papermill's `-p START_URL ... -p SESSION ...` replace its values.
    settings = next(c for c in made if c.cell_type == "code" and "START_URL =" in c.source)
    settings.metadata["tags"] = ["parameters"]
    notebook = new_notebook(cells=made, metadata={"kernelspec": KERNELSPEC,
                                                  "language_info": {"name": "python"}})
    for index, cell in enumerate(notebook.cells):
        cell.id = f"{name}-{index:02d}"
    nbformat.validate(notebook)
    return notebook


def onboarding(org: Organisation = EXAMPLE) -> dict:
    populate = (f" --template {json.dumps(org.profile_template)}" if org.profile_template
                else "")
    cells = [
        ("md", f"# {org.title}\n\n"
               "This notebook signs you in to AWS IAM Identity Center (AWS SSO) right here, the "
               "way `aws sso login` does, and shares the sign-in with the AWS CLI, boto3 and "
               "terraform on this machine. It starts from nothing: run it top to bottom; the "
               "sign-in cell waits for you."),
        ("code", _settings(org)),
        ("code", "%load_ext ssomagic"),
        ("md", "## 1. Tell this machine where you sign in\n\n"
               "This writes an `[sso-session]` section to `~/.aws/config`, as `aws configure "
               "sso` does. Running it again changes nothing. (Rather click? The last cells of "
               "this notebook have a wizard.)"),
        ("code", "%sso configure --start-url {START_URL} --region {REGION} --session {SESSION}"),
        ("md", "## 2. Sign in\n\n"
               "The next cell shows a link and a code. Open the link, check that the page shows "
               "the same code, and choose **Allow access**. The cell finishes by itself as soon "
               "as you have; interrupt the kernel to give up. A sign-in that is still valid is "
               "reused."),
        ("code", "%sso login --sso-session {SESSION}"),
        ("md", "## 3. What you can use\n\nEvery account and role your sign-in reaches, and the "
               "profile already configured for each:"),
        ("code", "%sso accounts --sso-session {SESSION}"),
        ("code", _CHOOSE_ROLES),
        ("md", "## 4. Choose a role for this notebook\n\n"
               "`ACCOUNT/ROLE` names a role by account and role, the same on every colleague's "
               "machine. If you have no profile for it yet, one is added, named as `aws "
               "configure sso` would. From now on boto3's default session, and `AWS_PROFILE` "
               "and the region for `!aws` and other programs, use it."),
        ("code", "%sso use {ROLE}"),
        ("md", "Who the kernel is now, and for how long (the card warns before the sign-in "
               "ends):"),
        ("code", "%sso whoami"),
        ("code", "import boto3\n\n"
                 'boto3.client("sts").get_caller_identity()["Arn"]'),
        ("code", "!echo profile=$AWS_PROFILE region=$AWS_REGION"),
        ("md", "## 5. Two accounts side by side\n\n"
               "`%%sso` runs one cell as another role, then switches back; plain "
               "`boto3.Session(profile_name=...)` works for every profile too."),
        ("code", '%%sso {OTHER_ROLE}\nboto3.client("sts").get_caller_identity()["Account"]'),
        ("code", 'boto3.client("sts").get_caller_identity()["Account"]'),
        ("md", "A profile for every account and role you have, in one go (profiles written by "
               "hand are never touched):"),
        ("code", f"%sso populate {{SESSION}}{populate} --dry-run"),
        ("md", "## When the sign-in expires\n\n"
               "A sign-in lasts a working day. The identity card warns a quarter of an hour "
               "before it ends; a cell that fails because it ended shows a **Sign in** button "
               "instead of a traceback. Sign in again (`%sso login --sso-session ...`) and "
               "re-run the cell: clients you already made pick up the new sign-in, no kernel "
               "restart."),
        ("code", "%sso status"),
        ("md", "## The same by clicking\n\n"
               "The wizard does steps 1 to 4 with buttons: start URL and region, sign in, tick "
               "the roles you want as profiles, check the preview, and Write. It writes nothing "
               "before you press Write."),
        ("code", "%sso configure"),
        ("md", "## When you are done\n\n"
               "`%sso logout` signs out of every sign-in, as `aws sso logout` does. "
               "`%sso --help` lists everything."),
    ]
    return _notebook("onboarding", cells)


def several_accounts(org: Organisation = EXAMPLE) -> dict:
    cells = [
        ("md", "# Working with several AWS accounts\n\n"
               "One sign-in to IAM Identity Center covers every account and role you are "
               "assigned. This notebook adds a profile for each, reads from several of them "
               "side by side, and borrows a role for a single cell. `onboarding.ipynb` explains "
               "the first steps."),
        ("code", _settings(org)),
        ("code", "%load_ext ssomagic"),
        ("code", "%sso configure --start-url {START_URL} --region {REGION} --session {SESSION}"),
        ("code", "%sso login --sso-session {SESSION}"),
        ("code", _CHOOSE_ROLES),
        ("md", "## A profile for every account and role\n\n"
               "Profiles this adds are marked as its own: running it again updates them, and "
               "profiles you wrote by hand are never changed."),
        ("code", "%sso populate {SESSION}"),
        ("md", "## Side by side\n\n"
               "Profiles of the same sso-session share the sign-in, so plain boto3 sessions for "
               "each work now, with no further sign-in. They are the sessions the AWS CLI and "
               "terraform use too."),
        ("code", "import boto3\n\nimport ssomagic\n\n"
                 "mine = [p.name for p in ssomagic.profiles() if p.sso.name == SESSION and "
                 "p.has_role]\n"
                 '{name: boto3.Session(profile_name=name).client("sts")'
                 '.get_caller_identity()["Account"]\n'
                 " for name in mine}"),
        ("md", "`ssomagic.whoami` says who a profile is without binding it to the kernel:"),
        ("code", "ssomagic.whoami(mine[-1])"),
        ("md", "## One cell as another role\n\n"
               "`%sso use` binds a role to the kernel; `%%sso` runs a single cell as another "
               "and the binding comes back afterwards, also when the cell fails."),
        ("code", "%sso use {ROLE}"),
        ("code", '%%sso {OTHER_ROLE}\nboto3.client("sts").get_caller_identity()["Arn"]'),
        ("code", 'boto3.client("sts").get_caller_identity()["Arn"]'),
        ("md", "## How long you have\n\n"
               "`%sso status` shows the time left of every sign-in."),
        ("code", "%sso status"),
    ]
    return _notebook("several-accounts", cells)


NOTEBOOKS = {"onboarding.ipynb": onboarding, "several-accounts.ipynb": several_accounts}


def text(notebook: dict) -> str:
    """The file's text, as nbformat writes it (with a final newline)."""
    import nbformat

    return nbformat.writes(notebook) + "\n"


def write(notebook: dict, path: Path, *, force: bool = False) -> Path:
    """Write atomically; an existing file only with ``force``. One line on any fault."""
    from .engine.files.atomic import atomic_write

    if path.exists() and not force:
        raise SsoMagicError(f"{path} already exists.", "Use --force to replace it.")
    if path.is_dir():
        raise SsoMagicError(f"{path} is a directory.", "Give a file name ending in .ipynb.")
    try:
        atomic_write(path, text(notebook), mode=0o644)
    except OSError as exc:
        raise SsoMagicError(f"Cannot write {path} ({exc.strerror}).",
                            "Choose a directory you can write to.") from None
    return path


SHIPPED = Path(__file__).resolve().parent / "notebooks"  # package data (notebooks/ in the repo)


def copy_shipped(directory: Path, *, force: bool = False) -> list[Path]:
    """Copy the shipped notebooks into ``directory``; an existing file only with ``force``."""
    sources = sorted(SHIPPED.glob("*.ipynb"))
    targets = [directory / s.name for s in sources]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise SsoMagicError(f"{', '.join(str(t) for t in existing)} already exist"
                            f"{'s' if len(existing) == 1 else ''}.",
                            "Use --force to replace them, or choose another directory.")
    from .engine.files.atomic import atomic_write

    try:
        directory.mkdir(parents=True, exist_ok=True)
        for source, target in zip(sources, targets, strict=True):
            atomic_write(target, source.read_text(encoding="utf-8"), mode=0o644)
    except OSError as exc:
        raise SsoMagicError(f"Cannot write to {directory} ({exc.strerror}).",
                            "Choose a directory you can write to.") from None
    return targets
