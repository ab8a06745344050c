"""The one input layer: every file or stream vmspec reads comes through here, bounded and strict.

- `read_document` reads a whole file (a topology, a counterexample) of at most
  `Limits.document_bytes`, from a path or standard input (``-``); an endless stream is refused
  once it passes the bound, never read to the end.
- `lines` yields the lines of a stream (a trace, a capture) one at a time: a line longer than
  `Limits.line_bytes`, a stream longer than `Limits.stream_bytes` or more than
  `Limits.blank_lines` blank lines in a row is refused with the bound it broke.
- `loads` decodes JSON strictly: a key twice in one object, ``NaN`` and ``Infinity``, nesting
  deeper than `Limits.depth`, an integer of more than `Limits.digits` digits or an exponent
  beyond `Limits.exponent` are refused.  With ``exact=True`` every number with a fraction or an
  exponent is an exact `fractions.Fraction`, never a float.
- `load_toml` parses TOML under the same bounds (depth, integer size, finite floats).

Every refusal is an `InputError` naming the file, the line, the field when there is one, and
the bound (notes/limits.md).
"""

from __future__ import annotations

import json
import math
import re
import sys
import tomllib
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

from vmspec.properties.io.errors import InputError
from vmspec.properties.io.limits import Limits, current

STDIN = "-"
BOM = "\ufeff"

__all__ = ["BOM", "STDIN", "JsonRefused", "decode", "lines", "load_json_document", "load_toml", "loads",
           "open_binary", "read_document"]


class JsonRefused(ValueError):
    """A JSON text the strict decoder will not accept; `field` names the key when known."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        self.reason, self.field = reason, field
        self.detail = reason.split(": ", 1)[1]  # without the "invalid JSON" / "invalid number" prefix
        super().__init__(reason)


# ---------------------------------------------------------------- bytes


def open_binary(path: str | Path, what: str = "file") -> BinaryIO:
    """A binary stream for `path`, or standard input for ``-``."""
    if str(path) == STDIN:
        return sys.stdin.buffer
    p = Path(path)
    if p.is_dir():
        raise InputError(str(path), None, None, f"{_cannot(what)}: it is a directory")
    try:
        return open(p, "rb")
    except OSError as exc:
        raise InputError(str(path), None, None, f"{_cannot(what)}: {exc.strerror or exc}") from None


def _cannot(what: str) -> str:
    return "cannot read file" if what == "file" else f"cannot read the {what}"


def _name(path: str | Path) -> str:
    return "<stdin>" if str(path) == STDIN else str(path)


def read_document(path: str | Path, limits: Limits | None = None, what: str = "file") -> bytes:
    """The bytes of a whole file (or of standard input), refusing one over `document_bytes`."""
    limits = limits or current()
    fh = open_binary(path, what)
    try:
        raw = fh.read(limits.document_bytes + 1)
    except OSError as exc:
        raise InputError(_name(path), None, None, f"{_cannot(what)}: {exc.strerror or exc}") from None
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()
    if len(raw) > limits.document_bytes:
        raise InputError(_name(path), None, None, f"the {what} is longer than the limit of {limits.document_bytes:,} "
                                                  f"bytes{limits.flag('document_bytes')}")
    return raw


def decode(raw: bytes, path: str, line: int | None = None) -> str:
    """UTF-8 text (a leading byte-order mark dropped), or an `InputError` naming the byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if line is None:
            line = raw.count(b"\n", 0, exc.start) + 1
            col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1)
        else:
            col = exc.start
        raise InputError(path, line, None, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {col + 1})") from None
    return text[1:] if text.startswith(BOM) else text


def lines(fh: BinaryIO, path: str, limits: Limits | None = None, what: str = "file") -> Iterator[tuple[int, bytes]]:
    """(line number, raw line with its newline) for each line of a stream, one at a time."""
    limits = limits or current()
    max_line, max_total, max_blank = limits.line_bytes, limits.stream_bytes, limits.blank_lines
    readline = fh.readline
    number = total = blank = 0
    while True:
        try:
            raw = readline(max_line + 1)
        except OSError as exc:
            raise InputError(path, number + 1, None, f"{_cannot(what)}: {exc.strerror or exc}") from None
        if not raw:
            return
        number += 1
        size = len(raw)
        if size > max_line:
            raise InputError(path, number, None, f"line longer than {max_line} bytes, the limit"
                                                 f"{limits.flag('line_bytes')}; is this a {what}?")
        total += size
        if total > max_total:
            raise InputError(path, number, None, f"the {what} is longer than the limit of {max_total:,} bytes"
                                                 f"{limits.flag('stream_bytes')}")
        if raw.isspace():
            blank += 1
            if blank > max_blank:
                raise InputError(path, number, None, f"more than {max_blank:,} blank lines in a row; is this a {what}?")
        else:
            blank = 0
        yield number, raw


# ---------------------------------------------------------------- JSON

_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?(?:[eE]([+-]?[0-9]+))?", re.ASCII)


def depth(value: Any) -> int:
    """The deepest nesting of arrays and objects in a decoded value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = v.values()
        elif not isinstance(v, list):
            continue
        deepest = max(deepest, d)
        stack.extend((x, d + 1) for x in v if isinstance(x, dict | list))
    return deepest


def _too_deep(limit: int) -> JsonRefused:
    return JsonRefused(f"invalid JSON: nested deeper than the limit of {limit} arrays and objects")


class _Decoder:
    """The hooks of one strict decoding (bounds from `limits`)."""

    def __init__(self, limits: Limits, exact: bool) -> None:
        self.digits, self.exponent = limits.digits, limits.exponent
        self.parse_float = self.exact if exact else self.real
        # Only a text with a run of more digits than the limit can hold a too-long integer; the
        # others take the decoder's own (fast) integer parsing.
        self.long_run = re.compile(f"[0-9]{{{limits.digits + 1}}}").search
        # Built once, not per call as `json.loads` with hooks does: (common case, long digit run).
        self.plain = json.JSONDecoder(parse_float=self.parse_float, parse_constant=self.parse_constant,
                                      object_pairs_hook=self.object_pairs_hook).decode
        self.checked = json.JSONDecoder(parse_int=self.parse_int, parse_float=self.parse_float,
                                        parse_constant=self.parse_constant,
                                        object_pairs_hook=self.object_pairs_hook).decode

    def parse_int(self, text: str) -> int:
        if len(text) - text.startswith("-") > self.digits:
            raise JsonRefused(f"invalid number: an integer of {len(text.lstrip('-'))} digits is beyond the limit of {self.digits}")
        return int(text)

    def _check(self, text: str) -> re.Match[str]:
        m = _DECIMAL.fullmatch(text)
        if m is None:
            raise JsonRefused(f"invalid number: {text[:40]!r} is not a decimal number")
        if m.group(2) is not None and abs(int(m.group(2))) > self.exponent:
            raise JsonRefused(f"invalid number: {text[:40]!r} has an exponent beyond the limit of +-{self.exponent}")
        if len(text) > self.digits + 8:
            raise JsonRefused(f"invalid number: a number of {len(text)} characters is beyond the limit of {self.digits} digits")
        return m

    def exact(self, text: str) -> Fraction:
        m = self._check(text)
        fraction = m.group(1)
        if fraction is not None and m.group(2) is None:  # a plain decimal: integers, not Fraction's own parser
            return Fraction(int(text.replace(".", "", 1)), 10 ** (len(fraction) - 1))
        return Fraction(text)

    def real(self, text: str) -> float:
        self._check(text)
        value = float(text)
        if not math.isfinite(value):
            raise JsonRefused(f"invalid number: {text[:40]!r} is beyond the range of a number")
        return value

    @staticmethod
    def parse_constant(name: str) -> Any:
        raise JsonRefused(f"invalid number: {name} is not a JSON number")

    @staticmethod
    def object_pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    raise JsonRefused(f"invalid JSON: key {key!r} appears twice in one object", key)
                seen.add(key)
        return out


_DECODERS: dict[tuple[Limits, bool], _Decoder] = {}


def loads(text: str, limits: Limits | None = None, *, exact: bool = False) -> Any:
    """One JSON value, decoded strictly; raises `json.JSONDecodeError` for bad syntax and
    `JsonRefused` for a text beyond the bounds (callers turn both into an `InputError`)."""
    limits = limits or current()
    d = _DECODERS.get((limits, exact))
    if d is None:
        d = _DECODERS[(limits, exact)] = _Decoder(limits, exact)
    try:
        if isinstance(text, str) and not text.startswith(BOM):
            value = (d.checked if d.long_run(text) else d.plain)(text)
        else:  # bytes, or a byte-order mark: `json.loads` decodes the one and refuses the other
            value = json.loads(text, parse_int=d.parse_int, parse_float=d.parse_float,
                               parse_constant=d.parse_constant, object_pairs_hook=d.object_pairs_hook)
    except RecursionError:
        raise _too_deep(limits.depth) from None
    # Only a text with more brackets than the limit can nest deeper than it.
    if text.count("[") + text.count("{") > limits.depth and depth(value) > limits.depth:
        raise _too_deep(limits.depth)
    return value


def load_json_document(raw: bytes, path: str, limits: Limits | None = None, *, exact: bool = False) -> Any:
    """A whole file's JSON value, or an `InputError` with its line (and column)."""
    text = decode(raw, path)
    try:
        return loads(text, limits, exact=exact)
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except JsonRefused as exc:
        raise InputError(path, None, exc.field, exc.reason) from None


# ---------------------------------------------------------------- TOML

_TOML_LINE = re.compile(r"at line (\d+)")


def load_toml(raw: bytes, path: str, limits: Limits | None = None) -> dict[str, Any]:
    """A whole file's TOML table under the same bounds as JSON."""
    limits = limits or current()
    text = decode(raw, path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise InputError(path, line, None, f"invalid TOML: {exc}") from None
    except RecursionError:
        raise InputError(path, None, None, f"invalid TOML: nested deeper than the limit of {limits.depth} "
                                           "arrays and tables") from None
    except ValueError as exc:  # an integer beyond Python's own conversion limit
        raise InputError(path, None, None, f"invalid TOML: {exc}") from None
    _check_values(data, path, limits)
    return data


def _check_values(data: Any, path: str, limits: Limits) -> None:
    """Walk a parsed value without recursion: depth, integer size, finite floats."""
    bound = 10 ** limits.digits
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, dict | list):
            if depth >= limits.depth:
                raise InputError(path, None, where or None, f"nested deeper than the limit of {limits.depth} "
                                                            "arrays and tables")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for k, v in items:
                stack.append((v, depth + 1, f"{where}.{k}" if isinstance(k, str) and where else
                              (k if isinstance(k, str) else f"{where}[{k}]")))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and abs(value) >= bound:
            raise InputError(path, None, where or None, f"an integer beyond the limit of {limits.digits} digits")
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputError(path, None, where or None, f"{value} is not a finite number")
