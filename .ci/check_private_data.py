#!/usr/bin/env python3
"""Refuse to commit personal data: anything under data/private/, and complaint extracts that are not
the shipped synthetic ones.

Complaint records are personal data about children. Real extracts live in data/private/ (git-ignored)
and must never be committed. The only extracts the repository may hold are the generated ones, whose
file names say "synthetic", under data/records/ (and copies of them under tests/fixtures/).

Usage: check_private_data.py [FILE ...]   (no files: every file git tracks). Exit 1 naming each file refused.
Used by the pre-commit hook `no-private-data` and by `make lint` (so CI runs it on every tracked file).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import PurePosixPath

EXTRACT = re.compile(r"^\d{4}-\d{2}(_.+)?_(complaints|feedback|contacts)\.(csv|xlsx)$", re.IGNORECASE)
SPREADSHEET = re.compile(r"\.(xlsx|xlsm|xls|ods)$", re.IGNORECASE)
ALLOWED_EXTRACT_FOLDERS = ("data/records/", "tests/fixtures/data/records/")


def refusal(path: str) -> str | None:
    p = PurePosixPath(path)
    text = p.as_posix()
    if text.startswith("data/private/") or "/data/private/" in text:
        return "is under data/private/: real extracts are personal data and never go into git"
    name = p.name
    if EXTRACT.match(name):
        if "synthetic" not in name.lower():
            return "looks like a complaint extract and its name does not say 'synthetic'"
        if not text.startswith(ALLOWED_EXTRACT_FOLDERS):
            return "is a synthetic extract outside data/records/ (or tests/fixtures/data/records/)"
    elif SPREADSHEET.search(name) and "synthetic" not in name.lower():
        return "is a spreadsheet: extracts are personal data; only synthetic ones may be committed"
    return None


def main(argv: list[str]) -> int:
    files = argv or subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split()
    refused = [(f, why) for f in files if (why := refusal(f))]
    for f, why in refused:
        print(f"{f}: {why}", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
