"""Rules and properties stay in step: every rule is checked or says why not, every property names
a rule, and notes/spec.md shows exactly the rule catalogue."""

import re
from pathlib import Path

from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.catalogue.registry import ALWAYS, EVENTUALLY, REGISTRY
from vmspec.properties.catalogue.rules import RULE_BY_ID, RULES, markdown
from vmspec.properties.cli.core import properties_by_rule

SPEC = Path(__file__).resolve().parents[1] / "notes" / "spec.md"


def test_every_rule_has_a_property_or_a_reason():
    by_rule = properties_by_rule()
    for r in RULES:
        assert by_rule.get(r.rule_id) or r.not_checked, f"{r.rule_id} has neither a property nor a reason"
        assert not (by_rule.get(r.rule_id) and r.not_checked), f"{r.rule_id} is checked yet says it is not"
        assert r.source.strip(), f"{r.rule_id} cites no source"


def test_every_property_names_a_known_rule():
    for p in REGISTRY:
        assert p.rule in RULE_BY_ID, f"{p.name} names unknown rule {p.rule}"
        assert p.doc, f"{p.name} has no docstring"


def test_rules_are_numbered_in_order():
    """Ids ascend without repeats; ids reserved for rules not yet written leave gaps."""
    numbers = [int(r.rule_id[1:]) for r in RULES]
    assert [r.rule_id for r in RULES] == [f"R{n}" for n in numbers]
    assert numbers == sorted(set(numbers)) and numbers[:26] == list(range(26))


def test_spec_md_shows_the_rule_catalogue():
    text = SPEC.read_text()
    section = re.search(r"<!-- rules:begin.*?-->\n(.*)<!-- rules:end -->", text, re.S)
    assert section, "notes/spec.md lost its rules markers"
    assert section.group(1) == markdown(properties_by_rule()), "run: vmspec rules --markdown"


def test_every_checked_safety_and_liveness_property_has_a_mutant():
    broken = {name for m in MUTANTS for name in m.breaks + m.also_breaks}
    for p in REGISTRY:
        if p.kind in (ALWAYS, EVENTUALLY):
            assert p.name in broken, f"no mutant violates {p.name}"


def test_every_mutant_names_the_rule_of_its_headline_property():
    rules = {p.name: p.rule for p in REGISTRY}
    for m in MUTANTS:
        assert rules[m.breaks[0]] == m.rule, m.name
