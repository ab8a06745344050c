"""The concrete Z3 encoding of `model/spec.py`: which encodings exist, and the one for a spec.

The encoding is in three parts: the symbolic state of one configuration
(`concrete_state`), the model's actions over it (`concrete_model.Encoding`) and the
mutants' overrides (`concrete_mutants`).  `ENCODINGS` maps the model (None) and each
encoded mutant to its class; bounded model checking, the inductive checklist and the
refinement checks take their list from it.
"""

from __future__ import annotations

from vmspec.model import Spec
from vmspec.properties.engines.z3.concrete_model import Encoding, EncodingError
from vmspec.properties.engines.z3.concrete_mutants import MUTANT_ENCODINGS
from vmspec.properties.engines.z3.concrete_state import (
    NONE,
    Instance,
    SymEvent,
    SymHost,
    SymState,
    SymVM,
    state_eq,
    state_map,
)

ENCODINGS: dict[str | None, type[Encoding]] = {None: Encoding, **{cls.mutant: cls for cls in MUTANT_ENCODINGS}}


def encoding_for(spec: Spec, mutant: str | None = None) -> Encoding:
    """The encoding of `spec` (the model, or the named mutant's variant of it)."""
    try:
        cls = ENCODINGS[mutant]
    except KeyError:
        raise EncodingError(f"mutant {mutant!r} has no Z3 encoding; encoded: "
                            f"{', '.join(sorted(m for m in ENCODINGS if m))}") from None
    return cls(spec)


def is_encoded(mutant: str) -> bool:
    return mutant in ENCODINGS


__all__ = [
    "ENCODINGS",
    "Encoding",
    "EncodingError",
    "Instance",
    "NONE",
    "SymEvent",
    "SymHost",
    "SymState",
    "SymVM",
    "encoding_for",
    "is_encoded",
    "state_eq",
    "state_map",
]
