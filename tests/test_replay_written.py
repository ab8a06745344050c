"""Every counterexample written replays.

`tests/conftest.py` records every counterexample file vmspec's engines and checkers write
during the session and replays each when the test that wrote it ends.  This test makes sure
each engine has written at least one in its test process (running that engine on a mutant, or
an implementation on a broken example orchestrator, when no earlier test did), so that safety,
deadlock, stutter and lasso counterexamples of the engines, and the refused, lasso and
observed-state counterexamples of the trace checker and the plugin, are all replayed."""

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import WRITTEN

from vmspec.model import TINY
from vmspec.properties.cli.main import main
from vmspec.properties.conformance.impl import Cooperative, Episode, SpecViolation, load_factory
from vmspec.properties.evidence.counterexample import Counterexample

ROOT = Path(__file__).resolve().parents[1]
TRACES = Path(__file__).parent / "data" / "traces"


def _engines() -> Counter:
    return Counter(engine for _, engine, _ in WRITTEN)


def _impl(out: Path, name: str) -> None:
    """An example orchestrator under the cooperative environment: its violation is written."""
    factory = load_factory(f"examples.orchestrators.{name}:factory", search=[ROOT])
    episode = Episode(TINY.spec(), factory(TINY.topology, TINY.params), config="TINY", out=out, stem=f"impl-{name}")
    with pytest.raises(SpecViolation):
        episode.run(Cooperative())


def _producers(tmp: Path) -> dict:
    """One cheap way for each engine to write a counterexample."""
    return {
        "walk": lambda: main(["check", "--mutant", "slice_guard_dropped", "--steps", "3000", "--skip", "explore",
                              "--skip", "fuzz", "--skip", "prove", "--skip", "events", "--out", str(tmp / "walk")]),
        "explore": lambda: main(["explore", "--mutant", "waits_for_approval", "--out", str(tmp / "explore")]),
        "fuzz": lambda: main(["fuzz", "--mutant", "short_notice", "--examples", "20", "--out", str(tmp / "fuzz")]),
        "z3": lambda: main(["prove", "--config", "TINY", "--mutant", "no_watchdog", "--out", str(tmp / "bmc")]),
        "trace": lambda: [main(["trace", "check", str(TRACES / name), "--config", "TINY", "--out", str(tmp / "trace")])
                          for name in ("tiny_early_start.jsonl", "tiny_pause_overrun.jsonl")]
                         + [_impl(tmp / "impl", name) for name in ("freeze_first", "approval_only")],
    }


def _kinds() -> Counter:
    return Counter(Counterexample.load(Path(p)).kind for p, _, _ in dict.fromkeys(WRITTEN) if Path(p).exists())


@pytest.mark.replays_written
def test_every_engine_writes_counterexamples_that_replay(tmp_path, capsys):
    """Each engine and checker writes at least one counterexample in this test process (run here
    when no earlier test of the process did), safety, lasso and refused ones among them; the
    conftest fixture replays each one when the test that wrote it ends."""
    producers = _producers(tmp_path)
    for engine, produce in producers.items():
        if not _engines()[engine]:
            produce()
    if not {"safety", "lasso", "refused"} <= set(_kinds()):
        producers["trace"]()  # a refused step and a lasso
    capsys.readouterr()
    assert {"walk", "explore", "fuzz", "z3", "trace"} <= set(_engines()), _engines()
    kinds = _kinds()
    assert {"safety", "lasso", "refused"} <= set(kinds), kinds
    print(json.dumps({"written": len(WRITTEN), "kinds": kinds, "engines": _engines()}))
