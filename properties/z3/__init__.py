"""Z3 engines: bounded model checking, inductive proofs for a concrete configuration, the
all-sizes parameterized proof and the topology check (notes/proofs.md)."""
