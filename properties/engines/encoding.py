"""Compact states for the searches: a `State` as nested plain tuples, and back.

A `State` is a tree of frozen dataclasses, and hashing one calls a generated Python
`__hash__` per host, per VM and per event, every time it meets a dict: the explorer's index,
the symmetry memo and the liveness pass meet each state many times.  Its encoding holds the
same values as plain tuples (each dataclass becomes the tuple of its fields, in field order;
a tuple of dataclasses a tuple of those), which Python hashes and compares in C.  The
dataclass values stay the decoded view: reports, counterexamples and the properties read
`State`s, and `decode(encode(s)) == s` for every state (tests/test_encoding.py checks every
reachable TINY state).

Both functions are derived from the dataclasses themselves (`dataclasses.fields` and their
type hints) when first asked for, so a field added to `State`, `HostState`, `VMState` or
`Event` is encoded without any change here.  The code is generated once per root class, a
comprehension per tuple of dataclasses, so encoding costs about one pass over the fields.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from itertools import starmap
from operator import attrgetter
from typing import Any

from vmspec.model import State

__all__ = ["Codec", "Layout", "codec", "decode", "encode", "layout", "sharing_codec"]


@dataclasses.dataclass(frozen=True)
class Codec:
    """The encoder and decoder of one dataclass (and the generated source, for the curious)."""

    encode: Callable[[Any], tuple]
    decode: Callable[[tuple], Any]
    source: str


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _dataclass_of(hint: Any) -> type | None:
    return hint if isinstance(hint, type) and dataclasses.is_dataclass(hint) else None


def _element_of(hint: Any) -> Any | None:
    """X for ``tuple[X, ...]``; None for any other hint."""
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
    return None


def _needs(hint: Any) -> bool:
    """Whether values of `hint` hold dataclasses (and so are converted)."""
    if _dataclass_of(hint) is not None:
        return True
    element = _element_of(hint)
    if element is not None:
        return _needs(element)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        if any(_needs(a) for a in typing.get_args(hint)):
            raise TypeError(f"cannot encode {hint}: an optional dataclass has no fixed shape")
    return False


class _Shared(dict):
    """Hash-consing: each distinct element (a host, a VM, an event) is kept once, however many
    states hold it, as the states themselves share the objects an action leaves alone."""

    def __missing__(self, key: tuple) -> tuple:
        self[key] = key
        return key


class _Built(dict):
    """Decoding with sharing: each distinct element tuple becomes one dataclass value, built
    on first sight, as `_Shared` keeps each distinct element tuple once."""

    def __init__(self, cls: type) -> None:
        super().__init__()
        self.cls = cls

    def __missing__(self, key: tuple) -> Any:
        value = self[key] = self.cls(*key)
        return value


class _Gen:
    def __init__(self, sharing: bool = False) -> None:
        self.names: dict[str, Any] = {"attrgetter": attrgetter, "starmap": starmap}
        self.depth = 0
        self.sharing = sharing  # decode each distinct element once (`_Built`)

    def var(self) -> str:
        self.depth += 1
        return f"x{self.depth}"

    def name(self, prefix: str, value: Any) -> str:
        n = f"{prefix}_{len(self.names)}"
        self.names[n] = value
        return n

    @staticmethod
    def flat(c: type) -> bool:
        """A dataclass none of whose fields holds a dataclass."""
        return not any(_needs(_hints(c)[f.name]) for f in dataclasses.fields(c))

    def getter(self, c: type) -> str:
        """attrgetter of all the fields of `c`: a flat dataclass to its tuple, in C."""
        names = [f.name for f in dataclasses.fields(c)]
        if len(names) == 1:  # attrgetter of one name gives the value, not a tuple
            return self.name("single", lambda x, n=names[0]: (getattr(x, n),))
        return self.name("fields", attrgetter(*names))

    def enc(self, hint: Any, expr: str) -> str:
        c = _dataclass_of(hint)
        if c is not None:
            if self.flat(c):
                return f"{self.getter(c)}({expr})"
            parts = [self.enc(_hints(c)[f.name], f"{expr}.{f.name}") for f in dataclasses.fields(c)]
            return "(" + "".join(p + ", " for p in parts) + ")"
        element = _element_of(hint)
        if element is not None and _needs(element):
            ec = _dataclass_of(element)
            if ec is not None and self.flat(ec):  # one shared tuple per distinct element
                return f"tuple(map({self.name('shared', _Shared())}.__getitem__, map({self.getter(ec)}, {expr})))"
            v = self.var()
            return f"tuple([{self.enc(element, v)} for {v} in {expr}])"
        _needs(hint)  # refuses what has no fixed shape
        return expr

    def dec(self, hint: Any, expr: str) -> str:
        c = _dataclass_of(hint)
        if c is not None:
            if self.flat(c):
                return f"{self.name('C', c)}(*{expr})"
            parts = [self.dec(_hints(c)[f.name], f"{expr}[{k}]") for k, f in enumerate(dataclasses.fields(c))]
            return f"{self.name('C', c)}(" + ", ".join(parts) + ")"
        element = _element_of(hint)
        if element is not None and _needs(element):
            ec = _dataclass_of(element)
            if ec is not None and self.flat(ec):
                if self.sharing:
                    return f"tuple(map({self.name('built', _Built(ec))}.__getitem__, {expr}))"
                return f"tuple(starmap({self.name('C', ec)}, {expr}))"
            v = self.var()
            return f"tuple([{self.dec(element, v)} for {v} in {expr}])"
        return expr


@cache
def codec(cls: type = State) -> Codec:
    """The codec of the dataclass `cls` (by default the model's `State`), generated once."""
    return _generate(cls, sharing=False)


def sharing_codec(cls: type = State) -> Codec:
    """A new codec of `cls` whose decoder builds each distinct host, VM and event once and
    shares it between the states it decodes (as the model's own states share what an action
    leaves alone): for a process that decodes many states, at the cost of keeping every
    distinct element it met for as long as the codec lives."""
    return _generate(cls, sharing=True)


def _generate(cls: type, sharing: bool) -> Codec:
    if _dataclass_of(cls) is None:
        raise TypeError(f"{cls!r} is not a dataclass")
    g = _Gen(sharing)
    enc = g.enc(cls, "s")
    dec = g.dec(cls, "e")
    source = f"def encode(s):\n    return {enc}\n\n\ndef decode(e):\n    return {dec}\n"
    namespace: dict[str, Any] = dict(g.names)
    exec(compile(source, f"<vmspec encoding of {cls.__name__}>", "exec"), namespace)
    return Codec(namespace["encode"], namespace["decode"], source)


def encode(s: State) -> tuple:
    """`s` as nested plain tuples (hashed and compared in C)."""
    return codec().encode(s)


def decode(e: tuple) -> State:
    """The `State` an encoding stands for."""
    return codec().decode(e)


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where the fields that symmetry renames sit in an encoded state (field positions)."""

    hosts: int
    vms: int
    events: int
    removed: int
    vm_host: int
    event_id: int
    event_host: int
    event_resources: int
    event_approved_by: int  # a VM index (R28), renamed with the VMs
    event_tenants: int  # availability set indices (R29), renamed with their VMs


@cache
def layout() -> Layout:
    from vmspec.model import Event, VMState

    def at(cls: type, name: str) -> int:
        return [f.name for f in dataclasses.fields(cls)].index(name)

    return Layout(at(State, "hosts"), at(State, "vms"), at(State, "events"), at(State, "removed"),
                  at(VMState, "host"), at(Event, "event_id"), at(Event, "host"), at(Event, "resources"),
                  at(Event, "approved_by"), at(Event, "tenants_approved"))
