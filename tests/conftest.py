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


def pytest_report_header(config: pytest.Config) -> str:
    return f"vmspec Hypothesis profile: {config.vmspec_profile}"  # type: ignore[attr-defined]


@pytest.fixture
def hypothesis_profile(request: pytest.FixtureRequest) -> str:
    """The name of the loaded profile (ci, dev or thorough)."""
    return request.config.vmspec_profile  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = getattr(terminalreporter.config, "vmspec_hostile_counts", None)
    if counts:
        terminalreporter.write_line("hostile inputs generated: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
