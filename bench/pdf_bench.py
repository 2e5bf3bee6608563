"""How fast the printable PDFs render, beside WeasyPrint's floor, and whether memory stays flat.

    .venv/bin/python bench/pdf_bench.py [--runs 15] [--memory-renders 500] [--out /tmp/pdfbench]

Uses an in-memory SQLite test database, so it touches no real data. Medians of warm renders (one untimed render
first); compare the rows of one run with each other, not with another machine's numbers.
"""
import argparse
import io
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings_test"

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils.html import escape  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from accounts.models import Clinic, join  # noqa: E402
from screening import pdf  # noqa: E402
from screening.services import flag_acknowledge, screening_create  # noqa: E402
from screening.views import blank_form_context  # noqa: E402
from tests.conftest import healthy_intake  # noqa: E402
from tests.test_pdf import long_intake_overrides, typical_intake  # noqa: E402

BARE = """<!doctype html><html lang="en"><head><title>Floor</title><style>
@font-face { font-family: "Threshold Sans"; src: url("fonts/NotoSans-Regular.ttf"); }
@page { size: A4; margin: 18mm; } body { font-family: "Threshold Sans"; font-size: 10pt; }
</style></head><body><h1>One page</h1><p>A bare document in the same font: WeasyPrint's own floor.</p></body></html>"""


def timed(render, runs: int) -> tuple[list[float], list[float], bytes]:
    """Wall-clock and CPU milliseconds of warm renders (CPU time is steadier on a shared machine)."""
    body = render()  # warm: templates compiled, stylesheet parsed, fonts loaded
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        body = render()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu, body


def plain(html_paragraphs: list[str]) -> str:
    body = "<style>p { margin: 0 }</style>" + "".join(f"<p>{p}</p>" for p in html_paragraphs)
    return BARE.replace("<h1>One page</h1><p>A bare document in the same font: WeasyPrint's own floor.</p>", body)


def without_ua(render):
    def run():
        variant, pdf.PDF_VARIANT = pdf.PDF_VARIANT, None
        try:
            return render()
        finally:
            pdf.PDF_VARIANT = variant
    return run


def build_revisions():
    owner = User.objects.create_user("bench-clinician")
    join(Clinic.default(), [owner])
    typical = screening_create(owner=owner, client_code="TH-4001", intake=typical_intake(),
                               answers={"container": {"preparation_sessions": True}}).revisions.first()
    flag_acknowledge(revision=typical, user=owner, rule_id=typical.assessment["flags"][0]["rule"],
                     reason="Discussed with the prescriber; a plan is agreed.")
    long = screening_create(owner=owner, client_code="TH-4002", answers={},
                            intake=healthy_intake(**long_intake_overrides(), notes="Long notes. " * 150))
    long = long.revisions.first()
    return typical, long


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--memory-renders", type=int, default=500)
    parser.add_argument("--out", type=Path, help="also write the PDFs to this folder")
    parser.add_argument("--default-too", action="store_true",
                        help="then the same renders with a new FontConfiguration each time, WeasyPrint's default")
    args = parser.parse_args()

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)  # SQLite: in memory
    typical, long = build_revisions()
    blank = blank_form_context()

    def bare(html):
        return lambda: HTML(string=html, base_url=pdf.base_url(),
                            url_fetcher=pdf.StaticOnlyFetcher()).write_pdf(font_config=pdf.font_config())

    typical_text = [escape(line) for page in PdfReader(io.BytesIO(pdf.record_pdf(typical))).pages
                    for line in page.extract_text().splitlines()]
    cases = [
        ("typical record", lambda: pdf.record_pdf(typical)),
        ("typical record, untagged (no ua-1)", without_ua(lambda: pdf.record_pdf(typical))),
        (f"long record ({len(long.assessment['flags'])} flags)", lambda: pdf.record_pdf(long)),
        ("typical handout", lambda: pdf.handout_pdf(typical)),
        (f"long handout ({len(long.assessment['flags'])} flags)", lambda: pdf.handout_pdf(long)),
        ("blank intake form", lambda: pdf.blank_form_pdf(blank)),
        ("floor: bare 1-page document", bare(BARE)),
        ("floor: typical's text, unstyled", bare(plain(typical_text))),
    ]
    print(f"WeasyPrint renders, {args.runs} warm runs each, pdf_variant={pdf.PDF_VARIANT}\n")
    print(f"| {'document':<36} | pages | median ms | min-max ms | ms/page | CPU ms | KB |")
    print(f"|{'-' * 38}|-------|-----------|------------|---------|--------|-----|")
    for name, render in cases:
        wall, cpu, body = timed(render, args.runs)
        pages = len(PdfReader(io.BytesIO(body)).pages)
        median = statistics.median(wall)
        print(f"| {name:<36} | {pages:>5} | {median:>9.0f} | {min(wall):>4.0f}-{max(wall):<5.0f} | "
              f"{median / pages:>7.0f} | {statistics.median(cpu):>6.0f} | {len(body) // 1024:>3} |")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".pdf")).write_bytes(body)

    print()
    memory(f"{args.memory_renders} renders of the typical record, one shared FontConfiguration",
           lambda: pdf.record_pdf(typical), args.memory_renders)
    if args.default_too:
        html = render_to_string("print/record.html", pdf.record_context(typical))
        css = (pdf.static_roots()[0] / "print" / "print.css").as_uri()

        def default():  # what WeasyPrint does unless told otherwise: fonts set up afresh for every document
            fetcher = pdf.StaticOnlyFetcher()
            config = FontConfiguration()
            HTML(string=html, base_url=pdf.base_url(), url_fetcher=fetcher).write_pdf(
                stylesheets=[CSS(url=css, url_fetcher=fetcher, font_config=config)], font_config=config,
                pdf_variant=pdf.PDF_VARIANT)

        memory(f"{args.memory_renders} renders of the typical record, a new FontConfiguration each",
               default, args.memory_renders)


def memory(label: str, render, renders: int) -> None:
    process = psutil.Process()
    before = process.memory_info().rss / 2**20
    start = time.perf_counter()
    for _ in range(renders):
        render()
    elapsed = time.perf_counter() - start
    after = process.memory_info().rss / 2**20
    print(f"RSS over {label}: {before:.0f} MB before, {after:.0f} MB after ({after - before:+.1f} MB, "
          f"{(after - before) * 1024 / renders:+.1f} KB per render; {elapsed:.0f} s)")


if __name__ == "__main__":
    main()
