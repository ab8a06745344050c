"""The bounds on everything vmspec reads (notes/limits.md).

Every reader goes through `vmspec.properties.io.inputs`, which enforces these bounds and names
the one exceeded in its `InputError`.  The defaults are generous for real files; the command line
raises the two a user may need to (`--max-input-bytes`, `--max-line-bytes`) with `configure`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30


@dataclass(frozen=True, slots=True)
class Limits:
    document_bytes: int = 64 * MIB  # a file read whole: a topology, a counterexample
    stream_bytes: int = 16 * GIB  # a stream read a line at a time: a trace, a capture (standard input too)
    line_bytes: int = 1 * MIB  # one line of a trace or a capture
    blank_lines: int = 100_000  # blank lines in a row (an endless stream of newlines)
    depth: int = 64  # nesting of JSON arrays and objects, TOML arrays and tables
    digits: int = 400  # digits of one integer
    exponent: int = 60  # decimal exponent of one number: 1e999999999 is refused, not computed
    vms: int = 10_000  # VMs of one topology, placed by hand or by round_robin
    hosts: int = 10_000  # hosts of one topology
    steps: int = 1_000_000  # steps of one counterexample

    def flag(self, name: str) -> str:
        """How a user raises the bound `name`, for error messages."""
        return {"stream_bytes": " (raise it with --max-input-bytes)",
                "document_bytes": " (raise it with --max-input-bytes)",
                "line_bytes": " (raise it with --max-line-bytes)"}.get(name, "")


DEFAULT = Limits()
_current = DEFAULT


def current() -> Limits:
    """The limits in force (the defaults unless the command line raised some)."""
    return _current


def configure(**changes: int) -> Limits:
    """Replace some bounds (None values are ignored); return the previous limits."""
    global _current
    previous = _current
    _current = replace(_current, **{k: v for k, v in changes.items() if v is not None})
    return previous


def restore(limits: Limits) -> None:
    global _current
    _current = limits


__all__ = ["DEFAULT", "GIB", "KIB", "MIB", "Limits", "configure", "current", "restore"]
