"""What is checked: the numbered rules, the registry of properties that enforce them, and the
catalogue of deliberately broken variants (mutants) every engine must catch."""
