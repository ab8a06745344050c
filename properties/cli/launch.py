"""The `vmspec` console script.  Ctrl-C and SIGTERM end the run quietly at any moment, with one
line and the status 130 or 143, including while the command line's modules are still being
imported (a noticeable part of a second), before any of them could handle a signal.

Three phases:

- importing: `entry` handles both signals first (this module and its packages import nothing
  heavy); a signal then writes its line and exits (nothing has been written yet);
- running: `vmspec.properties.cli.main.main` handles them itself (Ctrl-C as KeyboardInterrupt,
  unwinding so that no half-written file is left); a second Ctrl-C while it unwinds ends the
  run the same way, quietly;
- finished: the command's status stands, and both signals are ignored while its output is
  flushed.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

STATUS = {signal.SIGINT: (130, "interrupted (Ctrl-C)"), signal.SIGTERM: (143, "terminated (SIGTERM)")}
INTERRUPTED = "error: {what}; nothing half-written is left behind\n"


def _quit(signum: int, frame: FrameType | None = None) -> None:
    """End the process now, with the signal's status and one line on standard error."""
    for sig in STATUS:
        signal.signal(sig, signal.SIG_IGN)
    status, what = STATUS[signal.Signals(signum)]
    try:
        os.write(2, INTERRUPTED.format(what=what).encode())
    finally:
        os._exit(status)


def entry() -> None:
    for sig in STATUS:
        signal.signal(sig, _quit)
    from vmspec.properties.cli.main import main  # the slow part: every command's modules

    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = main()
    except KeyboardInterrupt:  # a second Ctrl-C while the first one unwinds
        _quit(signal.SIGINT)
    for sig in STATUS:
        signal.signal(sig, signal.SIG_IGN)
    try:
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        pass
    sys.exit(code)
