"""Writing files so that a reader never sees half of one: a temporary file beside the target,
then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from vmspec.properties.io.errors import InputError

__all__ = ["check_output_dir", "check_output_file", "write_atomic"]


def _nearest(path: Path) -> Path:
    """The nearest ancestor of `path` that exists (the current directory at worst)."""
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output_file(path: Path, flag: str) -> None:
    """Refuse a file `path` that cannot be written whole: exit 2 before any work is done."""
    _refuse_unusable(_check_output_file, path, flag)


def check_output_dir(path: Path, flag: str) -> None:
    """Refuse a directory `path` that cannot hold new files (it is created when missing)."""
    _refuse_unusable(_check_output_dir, path, flag)


def _refuse_unusable(check: Callable[[Path, str], None], path: Path, flag: str) -> None:
    """Run `check`; a path the system cannot even look up (a name too long...) is refused
    with its reason instead of a traceback."""
    try:
        check(path, flag)
    except OSError as exc:
        raise InputError(str(path), None, flag, f"cannot be used: {exc.strerror or exc}") from None


def _check_output_file(path: Path, flag: str) -> None:
    def refuse(reason: str) -> InputError:
        return InputError(str(path), None, flag, reason)

    if path.is_dir():
        raise refuse("is a directory; expected a file name")
    if path.exists() and not path.is_file():
        raise refuse("exists and is not a regular file")
    parent = path.absolute().parent
    found = _nearest(parent)  # a missing parent is created by `write_atomic` when it can be
    if not found.is_dir():
        raise refuse(f"{found} is not a directory")
    if not os.access(found, os.W_OK | os.X_OK):
        raise refuse(f"{found} is not writable" if found == parent else
                     f"its directory {path.parent} cannot be created: {found} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise refuse("is not writable")


def _check_output_dir(path: Path, flag: str) -> None:
    def refuse(reason: str) -> InputError:
        return InputError(str(path), None, flag, reason)

    if path.exists() and not path.is_dir():
        raise refuse("exists and is not a directory")
    found = _nearest(path)
    if not found.is_dir():
        raise refuse(f"{found} is not a directory")
    if not os.access(found, os.W_OK | os.X_OK):
        raise refuse(f"{found} is not writable")


def write_atomic(path: Path, text: str) -> Path:
    """Write `text` to `path` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
