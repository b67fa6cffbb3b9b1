"""Short, true reasons for a recommendation, in Korean and English.

Every reason names something the pair really shares or complements: each function reads the
two sides' data and only states what it finds there. Each function returns at least one
reason: when the pair shares nothing nameable (a candidate ranked only by the network
around it, or one listed because there are fewer candidates than asked for), the reason
says what the target itself is or offers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rootmatch.domain.entities import Firm, Institute
from rootmatch.domain.program import Program
from rootmatch.domain.rules import Reason
from rootmatch.domain.taxonomy import complementarity_matrix

__all__ = ["firm_firm_reasons", "firm_institute_reasons", "firm_program_reasons"]


def _by_value(items: object) -> list:  # type: ignore[type-arg]
    return sorted(items, key=lambda m: m.value)  # type: ignore[call-overload]


def _names(items: Sequence[object], lang: str) -> str:
    return ("·" if lang == "ko" else ", ").join(m.label(lang) for m in items)  # type: ignore[attr-defined]


#: Head count from which a much larger partner is named as complementing a firm's scale
#: (firms of this size take on more partners; see the ``capacity`` component).
ESTABLISHED_PARTNER = 50


def firm_firm_reasons(
    a: Firm,
    b: Firm,
    *,
    common_partners: Sequence[str] = (),
    names: Mapping[str, tuple[str, str]] | None = None,
    both_enrolled: bool = False,
    capacity: bool = False,
    partner_partners: int = 0,
    location_affinity: bool = False,
    max_reasons: int = 5,
) -> tuple[Reason, ...]:
    """Reasons firms ``a`` and ``b`` may work together (at least one).

    ``names`` maps institute and program ids to (Korean, English) names; ``capacity`` says
    the partner's size raised the pair's score (then a much larger partner is named as the
    complement of the firm's scale); ``partner_partners`` is the number of collaborations
    of ``b`` when its activity raised the score (``popularity``); ``location_affinity`` says
    the learned affinity of the two locations raised it.
    """
    names = names or {}
    out: list[Reason] = []
    # complementarity: strongest value-chain links first
    C = complementarity_matrix(directed=True)
    links = []
    for x in a.technologies:
        for y in b.technologies:
            if x is y:
                continue
            s = max(C[x.value, y.value], C[y.value, x.value])
            if s > 0:
                links.append((-s, x.value, y.value, x, y))
    for _, _, _, x, y in sorted(links)[:2]:
        up, down = (x, y) if C[x.value, y.value] >= C[y.value, x.value] else (y, x)
        out.append(Reason(f"가치사슬: {up.label_ko} → {down.label_ko}",
                          f"value chain: {up.label_en} → {down.label_en}"))
    shared_needs = _by_value(a.needs & b.needs)
    if shared_needs:
        out.append(Reason(f"둘 다 지원 필요: {_names(shared_needs, 'ko')}",
                          f"both need: {_names(shared_needs, 'en').lower()}"))
    shared_topics = _by_value(a.topics & b.topics)
    if shared_topics:
        out.append(Reason(f"공통 관심: {_names(shared_topics, 'ko')}",
                          f"both interested in {_names(shared_topics, 'en')}"))
    shared_tech = _by_value(a.technologies & b.technologies)
    if shared_tech:
        out.append(Reason(f"같은 업종: {_names(shared_tech, 'ko')}",
                          f"same technology: {_names(shared_tech, 'en')}"))
    for inst in sorted(a.memberships & b.memberships):
        ko, en = names.get(inst, (inst, inst))
        out.append(Reason(f"둘 다 {ko} 회원사", f"both members of {en}"))
    shared_programs = sorted({p.program_id for p in a.participations}
                             & {p.program_id for p in b.participations})
    for prog in shared_programs:
        ko, en = names.get(prog, (prog, prog))
        out.append(Reason(f"같은 사업 참여: {ko}", f"both took part in {en}"))
    if common_partners:
        shown = ", ".join(sorted(common_partners)[:3])
        n_common = len(common_partners)
        out.append(Reason(f"공동 협력사 {n_common}곳 ({shown})",
                          f"{n_common} common partner(s) ({shown})"))
    if a.district is b.district:
        out.append(Reason(f"같은 지역: {a.district.label_ko}",
                          f"same district: {a.district.label_en}"))
    if both_enrolled:
        out.append(Reason("둘 다 지원센터 등록 기업", "both registered with the support center"))
    if capacity and b.employees >= ESTABLISHED_PARTNER and b.employees >= 2 * a.employees:
        out.append(Reason(f"규모 보완: 직원 {a.employees}명 ↔ {b.employees}명",
                          f"complementary scale: {a.employees} and {b.employees} employees"))
    if location_affinity and a.district is not b.district:
        out.append(Reason(
            f"지역 간 협력이 잦음: {a.district.label_ko} ↔ {b.district.label_ko}",
            f"firms in {a.district.label_en} and {b.district.label_en} often work together"))
    if partner_partners > 0:
        out.append(Reason(f"협력 실적이 많은 기업: 협력사 {partner_partners}곳",
                          f"an active collaborator: {partner_partners} partner(s)"))
    if not out:  # nothing shared to name: say what the partner does
        tech = _by_value(b.technologies)
        out.append(Reason(f"협력 후보 업종: {_names(tech, 'ko')} ({b.district.label_ko})",
                          f"a {_names(tech, 'en')} firm in {b.district.label_en}"))
    return tuple(out[:max_reasons])


def firm_institute_reasons(
    firm: Firm, inst: Institute, *, linked_programs: Sequence[str] = (),
    names: Mapping[str, tuple[str, str]] | None = None, via_hub: bool = False,
    via_partners: Sequence[str] = (), max_reasons: int = 4,
) -> tuple[Reason, ...]:
    """Reasons an institute can help a firm (at least one).

    ``via_hub`` says the firm is registered with the support center, which works with the
    institute (a path of the network's ``proximity``); ``via_partners`` are the firm's
    partners linked to the institute (members or past clients).
    """
    names = names or {}
    out: list[Reason] = []
    tech = _by_value(firm.technologies & inst.expertise)
    if tech:
        out.append(Reason(f"{_names(tech, 'ko')} 전문 기관", f"expertise in {_names(tech, 'en')}"))
    axes = _by_value(firm.needs & inst.services)
    if axes:
        out.append(Reason(f"필요한 지원 제공: {_names(axes, 'ko')}",
                          f"offers what the firm needs: {_names(axes, 'en').lower()}"))
    topics = _by_value(firm.topics & inst.topics)
    if topics:
        out.append(Reason(f"관심 분야 지원: {_names(topics, 'ko')}",
                          f"works on {_names(topics, 'en')}"))
    if inst.id in firm.memberships:
        out.append(Reason(f"{inst.name_ko} 회원사", f"member of {inst.name_en}"))
    for prog in sorted(linked_programs):
        ko, en = names.get(prog, (prog, prog))
        out.append(Reason(f"참여 사업 운영 기관: {ko}",
                          f"runs {en}, which the firm took part in"))
    if inst.district is not None and inst.district is firm.district:
        out.append(Reason(f"같은 지역: {firm.district.label_ko}",
                          f"same district: {firm.district.label_en}"))
    if via_partners:
        shown = ", ".join(sorted(via_partners)[:3])
        out.append(Reason(f"협력사가 이용하는 기관 ({shown})",
                          f"works with your partner(s) {shown}"))
    if via_hub:
        out.append(Reason("지원센터 연계 기관 (지원센터 등록 기업)",
                          "reachable through the support center you are registered with"))
    if not out:  # nothing shared to name: say what the institute offers
        services = _by_value(inst.services)
        if services:
            out.append(Reason(f"제공 지원: {_names(services, 'ko')}",
                              f"offers {_names(services, 'en').lower()}"))
        else:
            out.append(Reason(f"기관 유형: {inst.kind.label_ko}",
                              f"a {inst.kind.label_en.lower()}"))
    return tuple(out[:max_reasons])


def firm_program_reasons(
    firm: Firm, program: Program, *, peers: int = 0, max_reasons: int = 3
) -> tuple[Reason, ...]:
    """Why a program fits a firm (its eligibility reasons are added separately); at least
    one reason (the program's support axis when nothing else fits)."""
    out: list[Reason] = []
    tech = _by_value(firm.technologies & program.targets)
    if tech:
        out.append(Reason(f"대상 업종: {_names(tech, 'ko')}",
                          f"targets your technology: {_names(tech, 'en')}"))
    axes = _by_value(firm.needs & program.all_axes)
    if axes:
        out.append(Reason(f"필요와 일치: {_names(axes, 'ko')}",
                          f"matches your need: {_names(axes, 'en').lower()}"))
    topics = _by_value(firm.topics & program.topics)
    if topics:
        out.append(Reason(f"관심 분야: {_names(topics, 'ko')}",
                          f"covers your interest: {_names(topics, 'en')}"))
    if peers > 0:
        out.append(Reason(f"비슷한 기업 {peers}곳 참여", f"{peers} similar firm(s) took part"))
    if not out:
        out.append(Reason(f"지원 분야: {program.axis.label_ko}",
                          f"supports {program.axis.label_en.lower()}"))
    return tuple(out[:max_reasons])


