"""A result carried back from a forked process over a pipe: the value, or the exception the
child raised, re-raised in the parent (used by the parallel explorer's workers and by
`vmspec check --jobs`'s second process)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def send_result(conn: Any, what: str, compute: Callable[..., Any], *args: Any) -> None:
    """In the child: send ``("ok", compute(*args))``, or the exception it raised; a result or
    exception that cannot be pickled is sent as an error that says so."""
    try:
        out = ("ok", compute(*args))
    except BaseException as exc:  # re-raised by the parent
        out = ("error", exc)
    try:
        conn.send(out)
    except Exception as exc:
        conn.send(("error", RuntimeError(f"{what} could not send its result back: {exc}")))


def receive_result(conn: Any, what: str, process: Any) -> Any:
    """In the parent: the child's result, or its exception raised here; a child that ended
    without sending one is a `RuntimeError` naming its exit status."""
    try:
        status, payload = conn.recv()
    except EOFError:
        process.join(5)  # the pipe closes before the child is reaped: wait for its exit status
        raise RuntimeError(f"{what} ended without a result (exit status {process.exitcode})") from None
    if status != "ok":
        raise payload
    return payload
