"""Z3 engines: bounded model checking, inductive proofs for a concrete configuration, the
all-sizes parameterized proof and the topology check (notes/proofs.md)."""

from .bmc import BmcResult, UnknownResult, bmc
from .decode import EngineDisagreement, decode_state
from .encode import ENCODINGS, Encoding, EncodingError, encoding_for
from .induction import InductionResult, Obligation, prove
from .params_proof import AllSizesResult, prove_all_sizes
from .topology_check import TopologyVerdict, Witness, check_topology

__all__ = [
    "ENCODINGS",
    "AllSizesResult",
    "BmcResult",
    "Encoding",
    "EncodingError",
    "EngineDisagreement",
    "InductionResult",
    "Obligation",
    "TopologyVerdict",
    "UnknownResult",
    "Witness",
    "bmc",
    "check_topology",
    "decode_state",
    "encoding_for",
    "prove",
    "prove_all_sizes",
]
