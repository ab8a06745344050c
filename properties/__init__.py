"""vmspec's checkers: the property registry, the rules, the mutant catalogue, the shared
counterexample value, the engines and the command line.

The names below are imported when first used (PEP 562), so that importing a submodule --
the `vmspec` command's launcher above all (`vmspec.properties.cli.launch`) -- does not
import every checker first."""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "MUTANTS": "vmspec.properties.catalogue.mutants",
    "MUTANT_BY_NAME": "vmspec.properties.catalogue.mutants",
    "Mutant": "vmspec.properties.catalogue.mutants",
    "REGISTRY": "vmspec.properties.catalogue.registry",
    "Property": "vmspec.properties.catalogue.registry",
    "by_name": "vmspec.properties.catalogue.registry",
    "of_kind": "vmspec.properties.catalogue.registry",
    "RULES": "vmspec.properties.catalogue.rules",
    "RULE_BY_ID": "vmspec.properties.catalogue.rules",
    "Rule": "vmspec.properties.catalogue.rules",
    "Counterexample": "vmspec.properties.evidence.counterexample",
    "TraceStep": "vmspec.properties.evidence.counterexample",
    "replay": "vmspec.properties.evidence.counterexample",
    "replay_steps": "vmspec.properties.evidence.counterexample",
    "Target": "vmspec.properties.evidence.verdict",
    "Verdict": "vmspec.properties.evidence.verdict",
    "InputError": "vmspec.properties.io.errors",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)


__all__ = [
    "MUTANTS",
    "MUTANT_BY_NAME",
    "REGISTRY",
    "RULES",
    "RULE_BY_ID",
    "Counterexample",
    "InputError",
    "Mutant",
    "Property",
    "Rule",
    "Target",
    "TraceStep",
    "Verdict",
    "by_name",
    "of_kind",
    "replay",
    "replay_steps",
]
