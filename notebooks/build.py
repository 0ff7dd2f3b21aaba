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


def onboarding() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            "# Signing in to AWS from a notebook\n\n"
            "ssomagic signs you in to AWS IAM Identity Center (AWS SSO) right here, the same way "
            "`aws sso login` does, and shares the sign-in with the AWS CLI, boto3 and terraform "
            "on this machine.\n\n"
            "Your profiles live in `~/.aws/config`. These are the ones that sign in through "
            "IAM Identity Center:"),
        new_code_cell(
            "import ssomagic\n\n"
            "for profile in ssomagic.profiles():\n"
            "    print(f\"{profile.name:10} {profile.account_id}  {profile.role_name:20} "
            "{profile.region}\")"),
        new_markdown_cell(
            "## Sign in\n\n"
            "Run the next cell. It shows a link and a code: open the link, check that the page "
            "shows the same code, and choose **Allow access**. The cell finishes by itself once "
            "you have approved (interrupt the kernel to give up). A valid sign-in is reused, so "
            "running it again costs nothing."),
        new_code_cell('ssomagic.login("dev")'),
        new_markdown_cell("## Who am I?\n\nAccount, role and how long the sign-in lasts:"),
        new_code_cell('print(ssomagic.whoami("dev"))'),
        new_markdown_cell(
            "## Use it from boto3\n\n"
            "`ssomagic.use` makes the profile boto3's default, so every later `boto3.client(...)`"
            " runs as that role:"),
        new_code_cell(
            "import boto3\n\n"
            'ssomagic.use("dev")\n'
            'boto3.client("sts").get_caller_identity()["Arn"]'),
        new_markdown_cell("## Status\n\nEvery sign-in on this machine, and the time left:"),
        new_code_cell("for session in ssomagic.sessions():\n    print(session)"),
    ]
    notebook = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC,
                                                   "language_info": {"name": "python"}})
    for index, cell in enumerate(notebook.cells):
        cell.id = f"onboarding-{index:02d}"
    return notebook


NOTEBOOKS = {"onboarding.ipynb": onboarding}


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
