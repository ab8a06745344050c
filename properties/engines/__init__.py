"""How it is checked: seeded walks, exhaustive search with its graph analysis and symmetry
reduction, the Hypothesis stateful machine, the Z3 proofs, and `vmspec check` gathering them."""
