"""Z3 engines: bounded model checking, inductive proofs for a concrete configuration, the
all-sizes parameterized proof and the topology check (notes/proofs.md)."""

from vmspec.properties.engines.z3.bmc import BmcResult, UnknownResult, bmc
from vmspec.properties.engines.z3.decode import EngineDisagreement, decode_state
from vmspec.properties.engines.z3.encode import ENCODINGS, Encoding, EncodingError, encoding_for
from vmspec.properties.engines.z3.induction import InductionResult, Obligation, prove
from vmspec.properties.engines.z3.params_proof import AllSizesResult, prove_all_sizes
from vmspec.properties.engines.z3.topology_check import TopologyVerdict, Witness, check_topology

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
