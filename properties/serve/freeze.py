"""`--freeze-pid PID`: a local process lives through its VM's pauses for real (POSIX).

The process is stopped (SIGSTOP) at the step that freezes its VM and continued (SIGCONT) at the
step that resumes it, so it is stopped for exactly the model's pause, in wall time the pause
divided by `--speed`.  Reboots and redeploys are not played on the process: they lose memory
(R15), which a stopped process cannot show.  The process is always continued when the server
stops.
"""

from __future__ import annotations

import os
import signal
import time
from fractions import Fraction

from vmspec.model import State, Step
from vmspec.model.state import FROZEN
from vmspec.properties.io.errors import InputError


class Freezer:
    """Stops and continues one process as one VM is frozen and resumed."""

    def __init__(self, pid: int, vm: int, vm_name: str) -> None:
        if not hasattr(signal, "SIGSTOP"):
            raise InputError("--freeze-pid", None, None, "stopping a process needs a POSIX system")
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            raise InputError("--freeze-pid", None, None, f"no process with id {pid}") from None
        except PermissionError:
            raise InputError("--freeze-pid", None, None, f"not allowed to signal process {pid}") from None
        self.pid, self.vm, self.vm_name = pid, vm, vm_name
        self.stopped_at: float | None = None
        self.pauses: list[tuple[Fraction, float]] = []  # (model seconds, wall seconds) per pause
        self._frozen_since: Fraction | None = None

    def on_step(self, t: Fraction, step: Step, before: State, after: State, note: str) -> None:
        was, now = before.vms[self.vm].status == FROZEN, after.vms[self.vm].status == FROZEN
        if now and not was:
            self._signal(signal.SIGSTOP)
            self.stopped_at, self._frozen_since = time.monotonic(), t
        elif was and not now:
            self._signal(signal.SIGCONT)
            if self.stopped_at is not None and self._frozen_since is not None:
                self.pauses.append((t - self._frozen_since, time.monotonic() - self.stopped_at))
            self.stopped_at = self._frozen_since = None

    def release(self) -> None:
        """Continue the process if it is stopped (on shutdown)."""
        if self.stopped_at is not None:
            self._signal(signal.SIGCONT)
            self.stopped_at = None

    def _signal(self, sig: int) -> None:
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass  # the process has gone: nothing left to stop or continue
