"""Logging: what a run says on the terminal, and the log file each `complaints reports` run leaves.

Every module logs to the `complaints` logger (`logging.getLogger(__name__)`); nothing prints.
On the terminal (standard error) the messages are plain sentences: warnings and errors always,
progress at the default level, details with -v; -q keeps only warnings and errors.

`complaints reports` also writes everything, details included, to outputs/logs/<UTC time>.log:
the options, the SHA-256 of every input file, each report's outcome and time, and what the
kernels said when a report failed. Nothing is written under outputs/ before every input has
been checked: until `RunLog.open` is called the records wait in memory, and a run that stops on
bad input leaves no log file (the terminal has the message).
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path

LOGGER = "complaints"
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class _Console(logging.Formatter):
    """Plain sentences; warnings and errors say so."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.levelno < logging.WARNING else f"{record.levelname.lower()}: {text}"


def configure(verbosity: int = 0, stream=None) -> logging.Handler:
    """The terminal handler: verbosity -1 (-q) warnings and errors, 0 progress, 1 (-v) details.
    Replaces the handler an earlier call installed; returns the new one."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    for handler in [h for h in logger.handlers if getattr(h, "_complaints_console", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setLevel(logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG)
    handler.setFormatter(_Console("%(message)s"))
    handler._complaints_console = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    return handler


def log_file_name(now: datetime | None = None) -> str:
    return f"{(now or datetime.now(UTC)):%Y-%m-%dT%H%M%SZ}.log"


class RunLog:
    """The log file of one run: records are held in memory until `open` names the folder."""

    def __init__(self) -> None:
        self.logger = logging.getLogger(LOGGER)
        self.logger.setLevel(logging.DEBUG)
        self._buffer = logging.handlers.MemoryHandler(capacity=1_000_000, flushLevel=logging.CRITICAL + 1)
        self._buffer.setLevel(logging.DEBUG)
        self._file: logging.FileHandler | None = None
        self.path: Path | None = None
        self.logger.addHandler(self._buffer)

    def open(self, folder: Path) -> Path:
        """Create folder/<UTC time>.log and write what was held back; later records go straight there."""
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / log_file_name()
        self._file = logging.FileHandler(self.path, encoding="utf-8")
        self._file.setFormatter(logging.Formatter(FILE_FORMAT))
        self._file.setLevel(logging.DEBUG)
        self._buffer.setTarget(self._file)
        self._buffer.flush()
        self.logger.removeHandler(self._buffer)
        self.logger.addHandler(self._file)
        return self.path

    def close(self) -> None:
        """Detach and close; records never written to a file (a rejected run) are dropped."""
        for handler in (self._buffer, self._file):
            if handler is not None:
                self.logger.removeHandler(handler)
                handler.close()
        self._buffer.buffer.clear()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
