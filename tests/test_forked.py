"""Results carried back from a forked process: a value, the child's exception, or a child that
ended without a result."""

from __future__ import annotations

import multiprocessing as mp
import os

import pytest

from vmspec.properties.engines.forked import receive_result, send_result

ctx = mp.get_context("fork")


def _boom() -> None:
    raise ValueError("the child broke")


def _run(child):  # type: ignore[no-untyped-def]
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=child, args=(send,), daemon=True)
    proc.start()
    send.close()
    try:
        return receive_result(receive, "the child", proc)
    finally:
        proc.join()


def test_a_value_comes_back():
    assert _run(lambda conn: send_result(conn, "the child", sum, (1, 2, 3))) == 6


def test_the_childs_exception_is_raised_in_the_parent():
    with pytest.raises(ValueError, match="the child broke"):
        _run(lambda conn: send_result(conn, "the child", _boom))


def test_an_unpicklable_result_is_an_error_that_says_so():
    with pytest.raises(RuntimeError, match="the child could not send its result back"):
        _run(lambda conn: send_result(conn, "the child", lambda: (lambda: 0)))


def test_a_child_that_ends_without_a_result_names_its_exit_status():
    with pytest.raises(RuntimeError, match=r"the child ended without a result \(exit status 3\)"):
        _run(lambda conn: os._exit(3))
