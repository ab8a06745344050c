"""Every counterexample written replays.

`tests/conftest.py` records every counterexample file vmspec's engines and checkers write
during the session.  This test runs last: it first makes sure each engine has written at
least one (running that engine on a mutant, or an implementation on a broken example
orchestrator, when no earlier test did), then loads every recorded file that is still as
written and checks that `vmspec replay` reproduces it -- safety, deadlock, stutter and lasso
counterexamples of the engines, and the refused, lasso and observed-state counterexamples
of the trace checker and the plugin."""

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import WRITTEN

from vmspec.model import TINY
from vmspec.properties.cli.main import main
from vmspec.properties.conformance.impl import Cooperative, Episode, SpecViolation, load_factory
from vmspec.properties.evidence.counterexample import Counterexample, replay

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


@pytest.mark.replays_written
def test_every_counterexample_written_in_the_session_replays(tmp_path, capsys):
    for engine, produce in _producers(tmp_path).items():
        if not _engines()[engine]:
            produce()
            capsys.readouterr()
    assert {"walk", "explore", "fuzz", "z3", "trace"} <= set(_engines()), _engines()
    replayed, kinds, changed, failures = 0, Counter(), 0, []
    for path, _engine, digest in dict.fromkeys(WRITTEN):
        p = Path(path)
        if not p.exists() or hashlib.sha256(p.read_bytes()).hexdigest() != digest:
            changed += 1  # removed or rewritten since by the test that wrote it
            continue
        cx = Counterexample.load(p)
        verdict = replay(cx)
        replayed += 1
        kinds[cx.kind] += 1
        if not verdict.reproduced:
            failures.append(f"{p}: {cx.engine} {cx.kind} {cx.property} ({cx.rule}): {verdict.detail}")
    assert not failures, "\n".join(failures)
    assert replayed and {"safety", "lasso", "refused"} <= set(kinds), kinds
    print(json.dumps({"replayed": replayed, "kinds": kinds, "engines": _engines(), "changed_since": changed}))
