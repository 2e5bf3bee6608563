"""Threshold's screening engine: pure Python, no Django. Intake in, assessment out, deterministic.

    from screening.engine import assess, default_ruleset
    assessment = assess({"substances": ["mdma"], "medications": ["Nardil"]})
"""
from screening.engine.errors import IntakeError, RulesetError
from screening.engine.evaluate import assess, default_ruleset
from screening.engine.loader import SEVERITY_RANK, Rule, Ruleset, load_ruleset
from screening.engine.report import DISCLAIMER, text_report

__all__ = ["DISCLAIMER", "SEVERITY_RANK", "IntakeError", "Rule", "Ruleset", "RulesetError", "assess",
           "default_ruleset", "load_ruleset", "text_report"]
