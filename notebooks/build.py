"""Writes the onboarding notebooks with nbformat, clean (no outputs, no widget state).

    python notebooks/build.py          # rewrite them
    python notebooks/build.py --check  # exit 1 if a committed notebook differs from its source
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _notebook(name: str, cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """Fixed cell ids, so a rebuild of unchanged source is byte-identical (build.py --check)."""
    notebook = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC,
                                                   "language_info": {"name": "python"}})
    for index, cell in enumerate(notebook.cells):
        cell.id = f"{name}-{index:02d}"
    return notebook


def onboarding() -> nbformat.NotebookNode:
    md, code = new_markdown_cell, new_code_cell
    cells = [
        md("# Signing in to AWS from a notebook\n\n"
           "This notebook signs you in to AWS IAM Identity Center (AWS SSO) right here, the way "
           "`aws sso login` does, and shares the sign-in with the AWS CLI, boto3 and terraform "
           "on this machine. Run it top to bottom; the sign-in cell waits for you."),
        code("%load_ext ssomagic"),
        md("## 1. Sign in\n\n"
           "The next cell shows a link and a code. Open the link, check that the page shows the "
           "same code, and choose **Allow access**. The cell finishes by itself as soon as you "
           "have; interrupt the kernel to give up. A sign-in that is still valid is reused, so "
           "running the cell again costs nothing.\n\n"
           "`dev` is a profile in your `~/.aws/config`. If colleagues name it differently, "
           "write the account and role instead: `%sso login analytics-dev/DataScientist`."),
        code("%sso login dev"),
        md("## 2. Every later cell runs as that role\n\n"
           "The sign-in is bound to this kernel: boto3's default session, and `AWS_PROFILE` "
           "and the region for `!aws` and other programs you start."),
        code("import boto3\n\n"
             'boto3.client("sts").get_caller_identity()["Arn"]'),
        code("!echo profile=$AWS_PROFILE region=$AWS_REGION"),
        md("## 3. Switch, or borrow another role for one cell\n\n"
           "`%sso use` binds another profile of the same sign-in, with no new sign-in. "
           "`%%sso` runs a single cell as another profile and then switches back."),
        code("%sso use prod"),
        code('%%sso dev\nboto3.client("sts").get_caller_identity()["Account"]'),
        code('boto3.client("sts").get_caller_identity()["Account"]'),
        md("## 4. What you have\n\nEvery sign-in on this machine, and every profile:"),
        code("%sso status"),
        code("%sso profiles"),
        md("Or choose with the mouse: pick a profile, sign in, and see who you are."),
        code("%sso picker"),
        md("## 5. Tools that cannot read SSO profiles\n\n"
           "Some libraries (polars, some Arrow and Spark builds) only read "
           "`AWS_ACCESS_KEY_ID` and friends. `%sso env` puts the bound role's temporary "
           "credentials there and keeps them fresh while the binding lasts."),
        code("%sso env"),
        md("## When you are done\n\n"
           "`%sso logout` signs out, as `aws sso logout` does. `%sso --help` lists everything."),
    ]
    return _notebook("onboarding", cells)


def several_accounts() -> nbformat.NotebookNode:
    md, code = new_markdown_cell, new_code_cell
    cells = [
        md("# Working with several AWS accounts\n\n"
           "One sign-in to IAM Identity Center covers every account and role you are assigned. "
           "This notebook reads from several of them side by side, borrows a role for a single "
           "cell, and names roles by account instead of by profile. Start with "
           "`onboarding.ipynb` if you have not signed in from a notebook before."),
        code("%load_ext ssomagic"),
        code("%sso login dev"),
        md("## Side by side\n\n"
           "Profiles of the same sso-session share the sign-in, so plain boto3 sessions for "
           "each of them work now, with no further sign-in. They are the sessions the AWS CLI "
           "and terraform use too."),
        code("import boto3\n\n"
             '{name: boto3.Session(profile_name=name).client("sts")'
             '.get_caller_identity()["Account"]\n'
             ' for name in ["dev", "prod", "sandbox"]}'),
        md("`ssomagic.whoami` says who a profile is without binding it to the kernel:"),
        code('import ssomagic\n\nssomagic.whoami("sandbox")'),
        md("## One cell as another role\n\n"
           "`%%sso` runs a single cell as another profile; the kernel's binding comes back "
           "afterwards, also when the cell fails."),
        code('%%sso sandbox\nboto3.client("sts").get_caller_identity()["Arn"]'),
        code('boto3.client("sts").get_caller_identity()["Arn"]'),
        md("## By account and role\n\n"
           "Profile names differ from machine to machine; account names and roles do not. "
           "`ACCOUNT/ROLE` finds the matching profile (and adds one, named as "
           "`aws configure sso` would, if there is none), so this notebook runs for a "
           "colleague too."),
        code("%sso use analytics-prod/ReadOnlyAccess"),
        md("## How long you have\n\n"
           "A sign-in lasts a working day. The identity card warns a quarter of an hour before "
           "it ends; `%sso status` shows the time left of every sign-in."),
        code("%sso status"),
    ]
    return _notebook("several-accounts", cells)


NOTEBOOKS = {"onboarding.ipynb": onboarding, "several-accounts.ipynb": several_accounts}


def main(argv: list[str]) -> int:
    stale = []
    for name, build in NOTEBOOKS.items():
        notebook = build()
        nbformat.validate(notebook)
        text = nbformat.writes(notebook) + "\n"
        path = HERE / name
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print(f"out of date: {', '.join(stale)}; run python notebooks/build.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
