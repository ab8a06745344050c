"""The registry refuses properties that would be silently misjudged: kinds and scopes come
from closed sets, rule ids from notes/spec.md, and names are unique."""

from __future__ import annotations

import pytest

from vmspec.properties.catalogue import registry as R
from vmspec.properties.catalogue.registry import REGISTRY, Property, RegistryError, register
from vmspec.properties.catalogue.rules import RULE_BY_ID


def _p(name="fresh_property", kind=R.ALWAYS, rule="R1", scope=R.STATE, check=lambda spec, s: None):
    return Property(name, kind, rule, scope, check, "")


@pytest.mark.parametrize("bad, says", [
    (dict(kind="allways"), "kind 'allways' is not one of always, sometimes, eventually"),
    (dict(scope="states"), "scope 'states' is not one of state, transition, deadlock"),
    (dict(kind=R.EVENTUALLY, scope=R.TRANSITION), "scope 'transition' is not one of state"),
    (dict(kind=R.SOMETIMES, scope=R.DEADLOCK), "scope 'deadlock' is not one of state, transition"),
    (dict(rule="R99"), "rule 'R99' is not a rule of notes/spec.md"),
    (dict(name="type_ok"), "property type_ok is already registered"),
    (dict(name="two words"), "must be an identifier"),
    (dict(check=None), "is not callable"),
])
def test_register_refuses(bad, says):
    scratch = list(REGISTRY)
    with pytest.raises(RegistryError, match=says):
        register(_p(**bad), scratch)
    assert len(scratch) == len(REGISTRY)


def test_register_accepts_a_well_formed_property_into_the_given_list():
    scratch = list(REGISTRY)
    p = register(_p(), scratch)
    assert scratch[-1] is p and p not in REGISTRY


def test_the_decorator_validates_too(monkeypatch):
    monkeypatch.setattr(R, "REGISTRY", list(REGISTRY))
    monkeypatch.setattr(R.register, "__defaults__", (R.REGISTRY,))
    with pytest.raises(RegistryError, match="already registered"):
        R.prop("reach_freeze", R.SOMETIMES, "R1", R.TRANSITION)(lambda spec, s, step, t: False)


def test_every_registered_property_is_well_formed():
    names = [p.name for p in REGISTRY]
    assert len(names) == len(set(names)) >= 40
    for p in REGISTRY:
        assert p.kind in R.KINDS and p.scope in R.SCOPES_OF[p.kind] and p.rule in RULE_BY_ID, p.name


def test_strengthening_invariants_register_after_the_rules_own():
    from vmspec.properties.catalogue import strengthening

    names = [p.name for p in REGISTRY]
    first = names.index("event_matches_phase")
    assert names[first:][-1] == "timers_in_range" and names[first - 1] == "reach_rollout_complete"
    assert strengthening.event_matches_phase is R.by_name("event_matches_phase").check
