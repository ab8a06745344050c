"""The compact encoding the searches index states by: derived from the dataclasses, so it
follows every field the model adds, and a faithful view of the state both ways."""

from __future__ import annotations

import dataclasses

import pytest

from vmspec.model import TINY, TWO_REBOOTS, Event, HostState, State, VMState
from vmspec.properties.engines.encoding import codec, decode, encode


def _reachable(spec):
    seen, order = {spec.initial_state()}, [spec.initial_state()]
    for s in order:
        for _, t in spec.successors(s):
            if t not in seen:
                seen.add(t)
                order.append(t)
    return order


@pytest.mark.parametrize("config", [TINY, TWO_REBOOTS], ids=lambda c: c.name)
def test_encode_and_decode_round_trip_on_every_reachable_state(config):
    states = _reachable(config.spec())
    codes = {}
    for s in states:
        e = encode(s)
        assert decode(e) == s and type(decode(e)) is State
        assert hash(e) == hash(encode(decode(e)))
        codes[e] = s
    assert len(codes) == len(states)  # distinct states, distinct encodings


def test_the_encoding_is_plain_tuples_with_every_field():
    s = TINY.spec().initial_state()
    e = encode(s)
    assert type(e) is tuple and len(e) == len(dataclasses.fields(State))
    for part in e[:2]:
        assert type(part) is tuple and all(type(x) is tuple for x in part)
    assert len(e[0][0]) == len(dataclasses.fields(HostState)) and len(e[1][0]) == len(dataclasses.fields(VMState))


def test_a_field_added_to_a_dataclass_is_encoded_without_change():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Leaf:
        a: int
        b: str | None

    @dataclasses.dataclass(frozen=True, slots=True)
    class One:
        only: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Root:
        leaves: tuple[Leaf, ...]
        one: One
        n: int
        extra: frozenset[str] = frozenset()

    globals().update(Leaf=Leaf, One=One, Root=Root)  # where get_type_hints resolves the names
    c = codec(Root)
    r = Root((Leaf(1, None), Leaf(2, "x")), One(5), 3, frozenset({"k"}))
    assert c.encode(r) == (((1, None), (2, "x")), (5,), 3, frozenset({"k"}))
    assert c.decode(c.encode(r)) == r
    assert c.encode(r)[0][0] is c.encode(Root((Leaf(1, None),), One(5), 3))[0][0]  # shared elements


def test_events_round_trip_with_every_field():
    e = Event("h0#1", "Freeze", 0, (0, 1), "Scheduled", 900, 900, 10, False)
    s = dataclasses.replace(TINY.spec().initial_state(), events=(e,))
    assert decode(encode(s)).events == (e,)


def test_the_sharing_decoder_gives_equal_states_sharing_their_elements():
    from vmspec.properties.engines.encoding import sharing_codec

    spec = TINY.spec()
    c = sharing_codec()
    s0 = spec.initial_state()
    states = [t for _, t in spec.successors(s0)] + [s0]
    decoded = [c.decode(encode(s)) for s in states]
    assert decoded == states and all(type(d) is State for d in decoded)
    again = c.decode(encode(s0))
    assert again == s0 and all(a is b for a, b in zip(again.vms, decoded[-1].vms))
