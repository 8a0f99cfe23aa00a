"""Progress of a long command on stderr: one status line, rewritten in place, only on a terminal.

`python -m infra plan` spends most of its time importing provider SDKs and declaring resources;
on a terminal it says which provider is being declared and how many resources so far, then which
phase runs (policy pack, cost). Anywhere else (a pipe, a file, CI logs) it writes nothing, so
stdout carries only the report and stderr only diagnostics. The line is erased before the report
is written. A plain carriage return and the ANSI erase-line sequence are all it needs; no library
earns its place for that.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from infra.plan.records import ResourceRecord

ERASE = "\r\x1b[K"


class Progress:
    """One status line on `stream` (stderr), only on a terminal; thread-safe (registrations arrive on threads)."""

    def __init__(self, label: str, stream: TextIO | None = None, interval_s: float = 0.1) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(self.stream is not None and getattr(self.stream, "isatty", lambda: False)())
        self.interval_s = interval_s
        self.resources = 0
        self.provider = ""
        self._lock = threading.Lock()
        self._last = 0.0
        self._shown = False

    def record(self, record: ResourceRecord) -> None:
        """One registration of the program: counted when it is a resource (as the reports count them)."""
        with self._lock:
            self.resources += record.is_resource
            self.provider = record.cloud
        self._write(f"declaring {self.provider} ({self.resources} resources)")

    def phase(self, text: str) -> None:
        self._write(text, force=True)

    def done(self) -> None:
        """Erase the status line (before the report is written)."""
        with self._lock:
            if self._shown:
                self._emit(ERASE)
                self._shown = False

    def _write(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        with self._lock:
            now = time.monotonic()
            if not force and now - self._last < self.interval_s:
                return
            self._last = now
            self._emit(f"{ERASE}{self.label}: {text}")
            self._shown = True

    def _emit(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal must not stop the command
            self.enabled = False
