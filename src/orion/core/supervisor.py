"""A small process supervisor for ``orion run``: start, prefix output, restart, stop.

honcho (used before) stops everything when one process exits, so a worker that died with
the database took provisioning down until someone noticed. This one restarts a process that
exits, after a pause that grows while it keeps failing (1 s, 2 s, 4 s ... 30 s, back to 1 s
once it ran for a minute), and says so in the log. Ctrl-C (or SIGTERM) stops them all:
SIGTERM first, SIGKILL after a grace period. Production uses systemd or another real
supervisor instead (see the README).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TextIO

_STABLE_SECONDS = 60.0
_MAX_PAUSE = 30.0


@dataclass
class _Child:
    name: str
    command: str
    process: subprocess.Popen | None = None
    started: float = 0.0
    pause: float = 1.0
    restart_at: float | None = None
    readers: list[threading.Thread] = field(default_factory=list)


class Supervisor:
    """Run named commands; restart each one that exits until ``stop``."""

    def __init__(self, commands: dict[str, str], *, env: dict[str, str] | None = None,
                 out: TextIO | None = None, grace_seconds: float = 10.0):
        self._children = [_Child(name, command) for name, command in commands.items()]
        self._env = env or dict(os.environ)
        self._out = out or sys.stdout
        self._width = max((len(name) for name in commands), default=0)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.grace_seconds = grace_seconds
        self.restarts: dict[str, int] = {name: 0 for name in commands}

    def log(self, name: str, line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with self._lock:
            self._out.write(f"{stamp} {name:<{self._width}} | {line.rstrip()}\n")
            self._out.flush()

    def _start(self, child: _Child) -> None:
        child.process = subprocess.Popen(
            shlex.split(child.command), env=self._env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        child.started = time.monotonic()
        child.restart_at = None
        self.log("system", f"{child.name} started (pid {child.process.pid})")
        reader = threading.Thread(target=self._pump, args=(child, child.process), daemon=True)
        reader.start()
        child.readers = [reader]

    def _pump(self, child: _Child, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.log(child.name, line)

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> int:
        """Supervise until stopped (by ``stop`` or a signal); return an exit code."""
        previous = {sig: signal.signal(sig, lambda *_: self.stop())
                    for sig in (signal.SIGINT, signal.SIGTERM)} \
            if threading.current_thread() is threading.main_thread() else {}
        try:
            for child in self._children:
                self._start(child)
            while not self._stopping.wait(0.2):
                self._tend()
        finally:
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _tend(self) -> None:
        now = time.monotonic()
        for child in self._children:
            process = child.process
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self.restarts[child.name] += 1
                    self._start(child)
                continue
            if process is None or process.poll() is None:
                continue
            if now - child.started >= _STABLE_SECONDS:
                child.pause = 1.0
            self.log("system", f"{child.name} exited with code {process.returncode}; "
                               f"restarting in {child.pause:.0f} s")
            child.restart_at = now + child.pause
            child.pause = min(child.pause * 2, _MAX_PAUSE)

    def _shutdown(self) -> None:
        running = [c.process for c in self._children
                   if c.process is not None and c.process.poll() is None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        self.log("system", "all processes stopped")


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
