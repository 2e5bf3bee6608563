"""Engine speed on one core: intakes per second for a healthy intake and for one firing many rules.

Beside each figure, its floor measured in the same run: a loop calling an empty function with the same intake.
Run: .venv/bin/python bench/engine_bench.py [--seconds 1.0] [--repeats 7]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.engine import assess, default_ruleset

HEALTHY = {
    "substances": ["mdma", "psilocybin", "lsd", "ketamine", "ayahuasca"], "age": 35, "pregnant": False,
    "breastfeeding": False, "psychosis_history": False, "psychosis_family_history": "none", "bipolar": "none",
    "bipolar_family_history": "none", "personality_disorder": "none", "dissociative_disorder": False,
    "eating_disorder_purging": False, "substance_use": "none", "suicidality": "none", "acute_crisis": False,
    "hypertension": "none", "systolic_bp": 118, "diastolic_bp": 76, "heart_rate": 68, "heart_disease": False,
    "arrhythmia": False, "long_qt": False, "stroke_or_tia": False, "aneurysm_or_avm": False,
    "intracerebral_hemorrhage": False, "hepatic_impairment": "none", "seizure_disorder": False,
    "hyperthyroidism_untreated": False, "raised_eye_or_brain_pressure": False, "medications": ["paracetamol"],
}
MANY = HEALTHY | {
    "age": 17, "pregnant": True, "breastfeeding": True, "psychosis_history": True,
    "psychosis_family_history": "first_degree", "bipolar": "bipolar_i", "bipolar_family_history": "first_degree",
    "personality_disorder": "borderline", "dissociative_disorder": True, "eating_disorder_purging": True,
    "substance_use": "active", "suicidality": "recent_behaviour", "acute_crisis": True, "hypertension": "uncontrolled",
    "systolic_bp": 182, "diastolic_bp": 110, "heart_rate": 112, "heart_disease": True, "arrhythmia": True,
    "long_qt": True, "stroke_or_tia": True, "aneurysm_or_avm": True, "intracerebral_hemorrhage": True,
    "hepatic_impairment": "severe", "seizure_disorder": True, "hyperthyroidism_untreated": True,
    "raised_eye_or_brain_pressure": True,
    "medications": ["Nardil", "Zoloft", "Priadel", "Wellbutrin", "Adderall", "Xanax", "Ultram", "methadone",
                    "Haldol", "St John's wort", "Imigran", "mystery tonic"],
}


def empty(intake):
    return None


def rate(fn, intake, seconds: float) -> float:
    """Calls per second over a timed stretch (after the stretch has started warm)."""
    fn(intake)
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(200):
            fn(intake)
        n += 200
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    ruleset = default_ruleset()
    rows = []
    for label, intake in (("healthy intake", HEALTHY), ("intake firing many rules", MANY)):
        flags = len(assess(intake)["flags"])
        runs = [rate(assess, intake, args.seconds) for _ in range(args.repeats)]
        floor = [rate(empty, intake, args.seconds) for _ in range(args.repeats)]
        rows.append((f"engine: {label} ({flags} flags)", runs, floor))
    print(f"rule set {ruleset.version}: {len(ruleset.rules)} rules, {len(ruleset.catalogue.medications)} medications;"
          f" median of {args.repeats} runs of {args.seconds:.1f} s, one core")
    print(f"| {'what':<44} | {'intakes/s (median)':>18} | {'min-max':>17} | {'floor calls/s':>14} | {'us/intake':>9} |")
    print(f"|{'-' * 46}|{'-' * 20}|{'-' * 19}|{'-' * 16}|{'-' * 11}|")
    for label, runs, floor in rows:
        med = statistics.median(runs)
        print(f"| {label:<44} | {med:>18,.0f} | {min(runs):>8,.0f}-{max(runs):<8,.0f} | "
              f"{statistics.median(floor):>14,.0f} | {1e6 / med:>9.1f} |")


if __name__ == "__main__":
    main()
