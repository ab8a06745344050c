"""vmspec's checkers: the property registry, the rules, the mutant catalogue, the shared
counterexample value, the engines and the command line."""

from vmspec.properties.catalogue.mutants import MUTANT_BY_NAME, MUTANTS, Mutant
from vmspec.properties.catalogue.registry import REGISTRY, Property, by_name, of_kind
from vmspec.properties.catalogue.rules import RULE_BY_ID, RULES, Rule
from vmspec.properties.evidence.counterexample import Counterexample, TraceStep, replay, replay_steps
from vmspec.properties.evidence.verdict import Target, Verdict
from vmspec.properties.io.errors import InputError

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
