"""Partners and programs for one small firm, with reasons in Korean and English.

A 7-employee mold shop in 사상구 joins the support center's network (a Busan-size synthetic
population on the built-in 2024 catalog). The matchmaker, fitted on the network, recommends
partner firms and institutes, the programs it may apply to on 2024-06-01, and the near misses
a case worker could fix.

Usage::

    python examples/recommend_for_a_firm.py [--firms 4400] [--seed 7] [--on 2024-06-01]
"""

from __future__ import annotations

import argparse
import datetime as dt

import rootmatch as rm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=4400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--on", type=dt.date.fromisoformat, default=dt.date(2024, 6, 1))
    args = parser.parse_args()

    pop = rm.synth.generate_population(args.firms, seed=args.seed)
    net = rm.SupportNetwork.from_population(pop, hub=True, seed=args.seed)
    firm = rm.Firm(
        id="SASANG-MOLD-7", name="사상정밀금형", technologies=["금형"], employees=7,
        district="사상구", cluster="사상", founded=1996, workforce_40plus=0.85,
        digital_level=1, needs=["인력 양성", "기술 개발"],
        topics=["디지털 역량", "신소재", "스마트공장"], materials=["철강", "탄소소재"],
        memberships=["BGMC"],
    )
    net.add_firm(firm, enrolled=True)
    mm = rm.Matchmaker(random_state=args.seed).fit(net)

    print(f"{firm.name} ({firm.id}): {firm.employees}명, {firm.district.label_ko}, "
          f"{', '.join(t.label_ko for t in firm.technologies)}\n")
    for title, kinds in (("협력 기업 / Partner firms", ("firm",)),
                         ("지원 기관 / Institutes", ("institute",))):
        print(f"== {title} ==")
        for rank, rec in enumerate(mm.recommend_partners(firm.id, k=5, kinds=kinds), start=1):
            name = (mm.institutes_[rec.target].name("ko") if rec.kind == "institute"
                    else mm.table_[rec.target].name)
            print(f"{rank}. {rec.target} {name}  score {rec.score:.3f}, "
                  f"협력 가능성 / chance of working together {rec.probability:.1%}")
            for reason in rec.reasons:
                print(f"     - {reason.ko} / {reason.en}")
        print()
    print(f"== 지원사업 / Programs on {args.on} ==")
    for rec in mm.recommend_programs(firm.id, k=5, on=args.on, near_misses=True):
        program = mm.programs_[rec.target]
        tag = "" if rec.eligible else "  (근접 탈락 / near miss)"
        print(f"- {program.name_ko} / {program.name_en}  score {rec.score:.3f}{tag}")
        for reason in rec.reasons:
            print(f"     - {reason.ko} / {reason.en}")
        if rec.remedy is not None:
            print(f"     → 보완 / remedy: {rec.remedy.ko} / {rec.remedy.en}")


if __name__ == "__main__":
    main()
