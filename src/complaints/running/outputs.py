"""Writing outputs all or nothing: every file is written to a temporary name first and only
moved into place once all of them were written, so a failed run leaves earlier outputs as they were."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd


@contextmanager
def staged(paths: list[Path]) -> Iterator[list[Path]]:
    """Yield temporary paths beside `paths`; on success move each into place, on failure delete them."""
    temps = [p.with_name(f".{p.name}.tmp-{os.getpid()}") for p in paths]
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield temps
    except BaseException:
        for t in temps:
            t.unlink(missing_ok=True)
        raise
    for t, p in zip(temps, paths):
        os.replace(t, p)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def write_tables(tables: dict[Path, pd.DataFrame], files: dict[Path, bytes] | None = None) -> None:
    """The CSVs, then `files` (built beforehand, such as the workbooks), all moved into place together."""
    files = files or {}
    targets = [*tables, *files]
    with staged(targets) as temps:
        for temp, frame in zip(temps, tables.values()):
            write_csv(frame, temp)
        for temp, data in zip(temps[len(tables) :], files.values()):
            temp.write_bytes(data)
