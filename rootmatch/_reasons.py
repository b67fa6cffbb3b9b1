"""Short, true reasons for a recommendation, in Korean and English.

Every reason names something the pair really shares or complements: each function reads the
two sides' data and only states what it finds there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .entities import Firm, Institute, Program
from .rules import Reason
from .taxonomy import complementarity_matrix

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
    max_reasons: int = 5,
) -> tuple[Reason, ...]:
    """Reasons firms ``a`` and ``b`` may work together.

    ``names`` maps institute and program ids to (Korean, English) names; ``capacity`` says
    the partner's size raised the pair's score (then a much larger partner is named as the
    complement of the firm's scale).
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
    return tuple(out[:max_reasons])


def firm_institute_reasons(
    firm: Firm, inst: Institute, *, linked_programs: Sequence[str] = (),
    names: Mapping[str, tuple[str, str]] | None = None, max_reasons: int = 4,
) -> tuple[Reason, ...]:
    """Reasons an institute can help a firm."""
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
    return tuple(out[:max_reasons])


def firm_program_reasons(
    firm: Firm, program: Program, *, peers: int = 0, max_reasons: int = 3
) -> tuple[Reason, ...]:
    """Why a program fits a firm (its eligibility reasons are added separately)."""
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
    return tuple(out[:max_reasons])


