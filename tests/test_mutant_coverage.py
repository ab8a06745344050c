"""Strengthening invariants are trusted too: every mutant's `also_breaks` is really caught by the
explorer, and its counterexample replays on the mutant but not on the correct model."""

import pytest

from vmspec.model import CONFIGS
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.engines.explore import explore
from vmspec.properties.evidence.counterexample import replay

WITH_ALSO = [m for m in MUTANTS if m.also_breaks]


@pytest.mark.parametrize("m", WITH_ALSO, ids=lambda m: m.name)
def test_also_breaks_are_caught_and_replay(m):
    cfg = CONFIGS[m.config]
    result = explore(m.spec(cfg.topology, cfg.params), config=cfg.name, mutant=m.name, symmetry=False,
                     keep_graph=False, stop_when=m.also_breaks)
    for prop in m.also_breaks:
        cx = result.counterexamples.get(prop)
        assert cx is not None, f"{m.name} does not violate {prop}"
        assert replay(cx).reproduced
        correct = replay(type(cx)(**{**cx.__dict__, "mutant": None}))
        assert not correct.reproduced, f"{prop} also fails on the correct model"
