"""vmspec's checkers: the property registry, the rules, the mutant catalogue, the shared
counterexample value, the engines and the command line."""

from .counterexample import Counterexample, TraceStep, replay, replay_steps
from .errors import InputError
from .mutants import MUTANT_BY_NAME, MUTANTS, Mutant
from .registry import REGISTRY, Property, by_name, of_kind
from .rules import RULE_BY_ID, RULES, Rule
from .verdict import Target, Verdict

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
