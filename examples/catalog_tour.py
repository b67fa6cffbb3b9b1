"""A tour of the built-in Busan 2024 catalog, and of eligibility for one small firm.

Prints the seven root-industry programs the city presented on 2024-02-23 (period, funding,
axis, every eligibility rule with its reasoning), the institutes and the proposed hub; then
explains, rule by rule and in Korean and English, which programs a 7-employee mold shop in
Sasang-gu may apply to on the chosen date.

    python examples/catalog_tour.py [--on 2024-06-01] [--lang ko|en|both]
"""

from __future__ import annotations

import argparse
import datetime as dt
import textwrap

import rootmatch as rm


def sample_firm() -> rm.Firm:
    """A typical small firm of the seed: a mold shop with fewer than 10 employees."""
    return rm.Firm(
        id="F-SASANG-01", name="사상정밀금형", technologies=["금형", "정밀가공"], employees=7,
        district="사상구", founded=1998, workforce_40plus=0.8, digital_level=1,
        materials=["철강", "탄소소재"], needs=["인력 양성", "기술 개발"],
        topics=["smart factory", "new materials"], memberships=["BGMC"],
        participations=[("BS24-05", "2021-04-01")],
    )


def print_catalog(cat: rm.Catalog, langs: list[str]) -> None:
    print(f"# {cat.name}\n  source: {cat.source}\n")
    for pid in sorted(cat.programs):
        p = cat.programs[pid]
        print(f"## {p.id}  " + " / ".join(p.name(lang) for lang in langs))
        print(f"   period {p.start} – {p.end} | funding: {p.funding.label_en} "
              f"({p.funding.label_ko}) | axis: {p.axis.label_en} ({p.axis.label_ko}) | "
              f"capacity {p.capacity}/year{' (assumed)' if p.capacity_assumed else ''}")
        if p.targets:
            print("   targets: " + ", ".join(t.label_en for t in sorted(p.targets,
                                                                     key=lambda t: t.value)))
        for rule, why in zip(p.rules, cat.rule_notes.get(pid, ()), strict=False):
            print(f"   - {rule.name}")
            print(textwrap.indent(textwrap.fill(why, 88), "       "))
        print()
    print(f"## Institutes ({len(cat.institutes)})")
    for inst in sorted(cat.institutes.values(), key=lambda i: i.id):
        services = ", ".join(a.label_en for a in sorted(inst.services, key=lambda a: a.value))
        district = inst.district.label_en if inst.district else "?"
        print(f"   {inst.id:15s} {inst.kind.label_en:20s} {district:13s} {inst.name('ko')} "
              f"[{services}]")
    print(f"\n## Hub: {cat.hub.name('ko')} / {cat.hub.name('en')}\n")


def explain_firm(cat: rm.Catalog, firm: rm.Firm, on: dt.date, langs: list[str]) -> int:
    techs = ", ".join(t.label_en for t in sorted(firm.technologies, key=lambda t: t.value))
    print(f"# Eligibility on {on} of {firm.id} {firm.name}: {firm.employees} employees, "
          f"{firm.district.label_en}, {techs}")
    eligible = 0
    for pid in sorted(cat.programs):
        res = rm.check_eligibility(cat.programs[pid], firm, on=on)
        eligible += res.eligible
        for lang in langs:
            print(res.explain(lang))
        for outcome in res.failed:
            if outcome.remedy is not None:
                print("    → " + " / ".join(outcome.remedy.text(lang) for lang in langs))
        print()
    print(f"{firm.id} may apply to {eligible} of {len(cat.programs)} programs on {on}.")
    return eligible


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--on", type=dt.date.fromisoformat, default=dt.date(2024, 6, 1),
                        help="the application date, YYYY-MM-DD (default 2024-06-01)")
    parser.add_argument("--lang", choices=["ko", "en", "both"], default="both")
    args = parser.parse_args(argv)
    langs = ["ko", "en"] if args.lang == "both" else [args.lang]
    cat = rm.catalog.busan_2024()
    print_catalog(cat, langs)
    explain_firm(cat, sample_firm(), args.on, langs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
