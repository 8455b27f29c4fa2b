"""Writing outputs all or nothing: every file is written to a temporary name first and only
moved into place once all of them were written, so a failed run leaves earlier outputs as they were."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported by what writes tables, not by the command line's quick start
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


class Busy(RuntimeError):
    """Another run holds the outputs folder's lock."""


class OutputsLock:
    """One run at a time writes to an outputs folder: `outputs/.lock`, held with flock(2) for as long
    as the run writes, names the process holding it (pid, host, command, start time) so that a second
    run can say who has it. A lock left by a killed process is not a lock: flock ends with its holder.
    Taken only once every input is valid (a rejected run touches nothing), removed when released."""

    def __init__(self, path: Path, command: str = "complaints") -> None:
        self.path = path
        self.command = command
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl
        import json
        import socket
        from datetime import UTC, datetime

        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise Busy(
                    f"{self.path.parent} is being written by another run ({holder}); wait for it to finish, "
                    "or give this run other --outputs"
                ) from None
            # the file may have been removed by its last holder between open and flock: lock the one in place
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        }
        try:
            os.ftruncate(fd, 0)
            os.write(fd, (json.dumps(holder) + "\n").encode())
        except OSError:  # a full disk: leave nothing behind
            with suppress(OSError):
                self.path.unlink()
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with suppress(OSError):
            self.path.unlink(missing_ok=True)
        os.close(self._fd)  # closing releases the flock
        self._fd = None

    def __enter__(self) -> OutputsLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    import json

    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = json.loads(os.read(fd, 4096).decode() or "{}")
        return (
            f"process {holder.get('pid')} on {holder.get('host')}, `{holder.get('command')}`, "
            f"started {holder.get('started')}"
        )
    except (OSError, ValueError):
        return "its details could not be read"


TEMPORARY = ".*.tmp-*"  # what staged(), write_atomic and the report workers write before moving into place


def remove_leftovers(outputs: Path) -> list[Path]:
    """Temporary files a killed run left under outputs/ (never a finished output). Call it only while
    holding the lock: then no other run is writing any."""
    removed = []
    if not outputs.is_dir():
        return removed
    for path in outputs.rglob(TEMPORARY):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
