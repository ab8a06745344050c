"""Hypothesis settings profiles for the test suite.

- ``ci``: derandomised (the same examples on every run), bounded example counts, no
  database; the default when the environment sets CI=true (`.ci/run` does).
- ``dev``: random and quick, for everyday runs on a workstation (the default otherwise).
- ``thorough``: many examples and long stateful runs, for campaigns (mark-free, but slow).

Choose one with ``--vmspec-profile NAME`` or the environment variable
``VMSPEC_HYPOTHESIS_PROFILE``.  The settings come from `vmspec.properties.engines.fuzz.CAMPAIGNS`, so
`vmspec fuzz --campaign NAME` and the tests agree on what a profile means; the pytest
profiles keep Hypothesis' shrinker on (the fuzz engine's ``ci`` campaign replaces it with
its own step-level reduction, see notes/hypothesis.md).
"""

from __future__ import annotations

import os

# Every engine also evaluates the properties it skips as unchanged and fails if skipping
# changed a verdict (vmspec.properties.catalogue.registry, "Incremental checking").
os.environ.setdefault("VMSPEC_CHECK_SKIPPED", "1")

import pytest
from hypothesis import settings

from vmspec.properties.engines.fuzz import CAMPAIGNS, NOT_SETTINGS

PROFILE_ENV = "VMSPEC_HYPOTHESIS_PROFILE"

for _name, _fields in CAMPAIGNS.items():
    settings.register_profile(_name, **{k: v for k, v in _fields.items() if k not in NOT_SETTINGS + ("phases",)})


def default_profile() -> str:
    """The profile named by the environment, else ci under CI=true, else dev."""
    named = os.environ.get(PROFILE_ENV)
    if named:
        return named
    return "ci" if os.environ.get("CI", "").lower() in ("true", "1", "yes") else "dev"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--vmspec-profile", choices=sorted(CAMPAIGNS), default=None,
                     help=f"Hypothesis settings profile for vmspec's tests (default: ${PROFILE_ENV}, "
                          "else ci under CI=true, else dev)")


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("--vmspec-profile") or default_profile()
    if name not in CAMPAIGNS:
        raise pytest.UsageError(f"{PROFILE_ENV}={name!r}: choose one of {', '.join(sorted(CAMPAIGNS))}")
    settings.load_profile(name)
    config.vmspec_profile = name  # type: ignore[attr-defined]
    config.addinivalue_line("markers", "replays_written: runs last, replaying every counterexample written")


def pytest_report_header(config: pytest.Config) -> str:
    return f"vmspec Hypothesis profile: {config.vmspec_profile}"  # type: ignore[attr-defined]


@pytest.fixture
def hypothesis_profile(request: pytest.FixtureRequest) -> str:
    """The name of the loaded profile (ci, dev or thorough)."""
    return request.config.vmspec_profile  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A test process of `pytest -n` hands its hostile-input counts to the main process."""
    counts = getattr(session.config, "vmspec_hostile_counts", None)
    if counts and hasattr(session.config, "workeroutput"):
        session.config.workeroutput["vmspec_hostile_counts"] = dict(counts)  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # type: ignore[no-untyped-def]
    """The main process of `pytest -n` adds up what each test process generated."""
    counts = getattr(node, "workeroutput", {}).get("vmspec_hostile_counts")
    if counts:
        total = getattr(node.config, "vmspec_hostile_counts", None) or {}
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
        node.config.vmspec_hostile_counts = total


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = getattr(terminalreporter.config, "vmspec_hostile_counts", None)
    if counts:
        terminalreporter.write_line("hostile inputs generated: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


# ---------------------------------------------------------------- every counterexample written replays
#
# Every counterexample file an engine or checker writes during the session (through
# `Counterexample.save`, called from vmspec's own code: the report writer and `vmspec prove`)
# is recorded with a digest of what was written, and replayed when the test that wrote it ends
# (the test fails if one does not reproduce): each test process replays what it wrote, so this
# holds however the tests are shared among processes (`pytest -n`).  `tests/test_replay_written.py`
# makes sure every engine writes at least one.

WRITTEN: list[tuple[str, str, str]] = []  # (path, engine, sha256 of the text written)


def _record_saves() -> None:
    import hashlib
    import sys

    from vmspec.properties.evidence.counterexample import Counterexample

    if getattr(Counterexample.save, "_records", False):
        return
    original = Counterexample.save

    def save(self: Counterexample, path):  # type: ignore[no-untyped-def]
        written = original(self, path)
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith("vmspec."):  # an engine or checker wrote it, not a test's own fixture
            WRITTEN.append((str(written), self.engine, hashlib.sha256(written.read_bytes()).hexdigest()))
        return written

    save._records = True  # type: ignore[attr-defined]
    Counterexample.save = save  # type: ignore[method-assign]


_record_saves()


def replay_failures(entries: list[tuple[str, str, str]]) -> tuple[list[str], list]:
    """Replay each recorded counterexample still as written: the failures, and the replayed ones."""
    import hashlib
    from pathlib import Path

    from vmspec.properties.evidence.counterexample import Counterexample, replay

    failures, replayed = [], []
    for path, _engine, digest in dict.fromkeys(entries):
        p = Path(path)
        if not p.exists() or hashlib.sha256(p.read_bytes()).hexdigest() != digest:
            continue  # removed or rewritten since by the test that wrote it
        cx = Counterexample.load(p)
        verdict = replay(cx)
        replayed.append(cx)
        if not verdict.reproduced:
            failures.append(f"{p}: {cx.engine} {cx.kind} {cx.property} ({cx.rule}): {verdict.detail}")
    return failures, replayed


@pytest.fixture(autouse=True)
def _written_counterexamples_replay():
    """The counterexamples a test made vmspec write replay when the test ends."""
    first = len(WRITTEN)
    yield
    failures, _ = replay_failures(WRITTEN[first:])
    assert not failures, "a counterexample written by this test does not replay:\n" + "\n".join(failures)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    """The replay of every written counterexample runs after every test that writes one."""
    last = [i for i in items if i.get_closest_marker("replays_written")]
    items[:] = [i for i in items if not i.get_closest_marker("replays_written")] + last
