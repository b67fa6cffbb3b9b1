"""The design-study report: Markdown and a self-contained HTML page. Private.

The report is built once as a list of blocks (headings, paragraphs, tables, figures) and
rendered twice: Markdown (figures linked as PNG files beside it) and HTML (figures embedded
as base64 data, so ``index.html`` is one file that can be mailed).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from attrs import frozen

from rootmatch.analysis.study.result import METRICS, StudyLike
from rootmatch.domain.taxonomy import SupportAxis

__all__ = ["build_blocks", "render_html", "render_markdown", "write_report"]


@frozen
class Heading:
    text: str
    level: int = 2


@frozen
class Para:
    text: str


@frozen
class Bullets:
    items: tuple[str, ...]


@frozen
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str = ""  # one "l"/"r" per column; default: first left, others right


@frozen
class Figure:
    key: str
    caption: str


Block = Heading | Para | Bullets | Table | Figure


def _t(lang: str, ko: str, en: str) -> str:
    return ko if lang == "ko" else en


def _pct(x: float, digits: int = 1) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else \
        f"{100 * x:.{digits}f}%"


def _pp(x: float) -> str:
    return "–" if isinstance(x, float) and math.isnan(x) else f"{100 * x:+.1f}%p"


def _metric_value(metric: str, x: float) -> str:
    if metric == "oracle":
        return "–" if math.isnan(x) else f"{x:.4f}"
    return _pct(x)


def _metric_change(metric: str, x: float) -> str:
    if metric == "oracle":
        return "–" if math.isnan(x) else f"{x:+.4f}"
    return _pp(x)


def build_blocks(study: StudyLike, lang: str) -> list[Block]:
    """The report's content."""
    i_lang = 0 if lang == "ko" else 1
    pop = study.population
    table = pop.firms
    n_small = int(table.is_small.sum())
    synthetic = pop.truth is not None
    base = study.results[study.baseline]
    key = {r["metric"]: r for r in study.key_table(lang=lang)}
    blocks: list[Block] = [
        Heading(_t(lang, "부산뿌리산업종합지원센터 설계 연구",
                   "Design study: the Busan Root-Industry Comprehensive Support Center"), 1),
        Para(_t(lang,
                f"기업 {len(table):,}곳 (그중 10인 미만 소기업 {n_small:,}곳), 기관 "
                f"{len(pop.institutes)}곳, 2024년 부산시 뿌리산업 지원사업 "
                f"{len(pop.programs)}개. 기준일 {study.on}, 기업당 추천 {study.k}곳, "
                f"시드 {study.seed}. "
                f"{'합성 인구 (심어 둔 정답 포함)' if synthetic else '실제 데이터'}.",
                f"{len(table):,} firms ({n_small:,} small firms with fewer than 10 employees), "
                f"{len(pop.institutes)} institutes, Busan's {len(pop.programs)} root-industry "
                f"programs of 2024. Study date {study.on}, {study.k} partners per firm, seed "
                f"{study.seed}. "
                f"{'Synthetic population with planted truth.' if synthetic else 'Real data.'}")),
        Heading(_t(lang, "1. 지원센터가 소기업에 주는 변화",
                   "1. What the hub changes for small firms")),
        Para(_t(lang,
                "센터가 없으면 기업은 자기 네트워크(2단계 이내: 협력사의 협력사, 같은 조합·기관, "
                "같은 사업 참여 기업)에서만 파트너·기관·사업을 찾습니다. 센터가 있으면 등록 기업 "
                "전체와 모든 기관·사업을 매칭 엔진이 검색합니다.",
                "Without the hub a firm finds partners, institutes and programs only within 2 "
                "hops of its own network (a partner's partner, a shared cooperative or "
                "institute, a program both joined). With the hub the center's matchmaker "
                "searches every enrolled firm and every institute and program.")),
        Table(
            (_t(lang, "지표 (소기업)", "metric (small firms)"), _t(lang, "센터 없음", "no hub"),
             _t(lang, "센터 있음", "with hub"), _t(lang, "변화", "change")),
            tuple((METRICS[m][i_lang], _metric_value(m, key[m]["without_hub"]),
                   _metric_value(m, key[m]["with_hub"]), _metric_change(m, key[m]["change"]))
                  for m in METRICS)),
        Bullets(_findings(study, lang, key)),
        Figure("network", _t(lang, "그림 1. 지원센터를 중심으로 한 네트워크 (표본)",
                             "Figure 1. The network around the hub (sample)")),
    ]
    hd = base.hop_distribution()
    blocks += [
        Para(_t(lang, "센터가 추천한 파트너가 센터 없이 몇 단계 떨어져 있었는지:",
                "How far apart, without the hub, the hub's recommended partners were:")),
        Table((_t(lang, "거리", "hops"), "1–2", "3", "4",
               _t(lang, "5 이상/연결 없음", ">4 / none")),
              ((_t(lang, "추천 쌍 비율", "share of pairs"), _pct(hd["1-2"]), _pct(hd["3"]),
                _pct(hd["4"]), _pct(hd[">4"])),)),
    ]
    # 2. districts and technologies
    blocks.append(Heading(_t(lang, "2. 지역·업종별 도달", "2. Reach by district and technology")))
    blocks.append(Figure("coverage", _t(lang, "그림 2. 구·군별 소기업 도달률",
                                        "Figure 2. Small firms reached, by district")))
    for by, title in (("district", _t(lang, "구·군", "district")),
                      ("technology", _t(lang, "업종", "technology"))):
        rows = study.by_group(by, lang=lang)
        blocks.append(Table(
            (title, _t(lang, "소기업", "small firms"),
             *[f"{METRICS[m][i_lang]} ({_t(lang, '없음→있음', 'no hub→hub')})"
               for m in ("true_partner", "relevant_institute", "knows_eligible_program")]),
            tuple((r["group"], f"{r['n']:,}",
                   *[f"{_pct(r[f'{m}_without'], 0)} → {_pct(r[f'{m}_with'], 0)}"
                     for m in ("true_partner", "relevant_institute", "knows_eligible_program")])
                  for r in rows)))
    # 3. gaps
    gap = study.gap
    unmet = gap.unmet()
    blocks.append(Heading(_t(lang, "3. 정책 공백 (업종 × 지원 분야)",
                             "3. Policy gaps (technology × support axis)")))
    blocks.append(Para(_t(
        lang,
        "칸마다 그 업종 소기업 중 해당 분야 지원이 필요한 기업 수와, 그 업종을 대상으로 "
        "하는 사업·그 업종 전문 기관 수를 비교했습니다. 모든 업종 대상의 일반 사업은 업종별 "
        f"차별화가 아니므로 따로 셉니다. 필요 기업이 {gap.min_need}곳 이상인데 특화 사업도 "
        "전문 기관도 없는 칸이 '미충족'입니다: 시가 사업을 마련해야 할 곳입니다.",
        "Each cell compares the small firms of a technology that need an axis with the "
        "programs that target that technology and the institutes expert in it. Programs open "
        "to every technology are not differentiated by sector and are listed apart. A cell "
        f"with at least {gap.min_need} firms in need and neither is 'unmet': a place where "
        "the city lacks a program.")))
    blocks.append(Figure("gap", _t(lang, "그림 3. 정책 공백 행렬", "Figure 3. The gap matrix")))
    if unmet:
        blocks.append(Table(
            (_t(lang, "업종", "technology"), _t(lang, "지원 분야", "axis"),
             _t(lang, "필요 소기업", "small firms in need"),
             _t(lang, "일반 사업 (전 업종)", "general programs (all technologies)")),
            tuple((t.label(lang), a.label(lang), f"{n:,}",
                   ", ".join(gap.general[a.value]) or "–") for t, a, n in unmet),
            align="llrl"))
    else:
        blocks.append(Para(_t(lang, "미충족 칸이 없습니다.", "No cell is unmet.")))
    # 4. programs
    blocks += _program_blocks(study, lang)
    # 5. what-ifs
    blocks.append(Heading(_t(lang, "5. 가정 시나리오 (what-if)", "5. What-ifs")))
    blocks.append(Para(_t(lang,
                          "기준 시나리오(센터, 전체 기업 등록)와 비교합니다. 사업·기관 제외는 그 "
                          "사업·기관의 모든 연결(참여, 회원, 운영)을 함께 없앱니다.",
                          "Compared with the baseline (the hub, every firm enrolled). Removing "
                          "a program or an institute removes all its edges (participations, "
                          "memberships, operator roles).")))
    wt = study.what_if_table(lang=lang)
    cols = ("true_partner", "relevant_institute", "knows_eligible_program", "reach")
    blocks.append(Table(
        (_t(lang, "시나리오", "scenario"), *[METRICS[m][i_lang] for m in cols],
         _t(lang, "잠재 신청", "potential applicants"),
         _t(lang, "소기업 선정", "small firms served")),
        tuple((r["label"], *[f"{_pct(r[m])} ({_pp(r['delta_' + m])})" for m in cols],
               f"{r['applicants']:,}", f"{r['small_served']:,} / {r['slots']:,}")
              for r in wt)))
    blocks.append(Figure("what_if", _t(lang, "그림 5. 가정 시나리오 비교",
                                       "Figure 5. What-if comparison")))
    # 6. outreach
    blocks += _outreach_blocks(study, lang)
    # 7. method
    blocks += _method_blocks(lang)
    return blocks


def _findings(study: StudyLike, lang: str, key: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    out = []
    r = key["reach"]["with_hub"]
    out.append(_t(lang,
                  f"센터가 추천한 파트너의 {_pct(r, 0)}는 기업이 혼자서는 닿을 수 없는 "
                  "(2단계 밖) 기업입니다.",
                  f"{_pct(r, 0)} of the partners the hub recommends are firms the small firm "
                  "could not reach on its own (more than 2 hops away)."))
    a, b = key["relevant_institute"]["without_hub"], key["relevant_institute"]["with_hub"]
    out.append(_t(lang, f"업종에 맞는 전문기관을 추천받는 소기업: {_pct(a, 0)} → {_pct(b, 0)}.",
                  f"Small firms recommended an institute expert in their technology: "
                  f"{_pct(a, 0)} → {_pct(b, 0)}."))
    a, b = key["knows_eligible_program"]["without_hub"], key["knows_eligible_program"]["with_hub"]
    out.append(_t(lang, f"신청 가능한 사업을 하나 이상 아는 소기업: {_pct(a, 0)} → {_pct(b, 0)}.",
                  f"Small firms that know at least one program they are eligible for: "
                  f"{_pct(a, 0)} → {_pct(b, 0)}."))
    a, b = key["true_partner"]["without_hub"], key["true_partner"]["with_hub"]
    if not (math.isnan(a) or math.isnan(b)):
        out.append(_t(lang,
                      f"숨겨진 실제 협력 상대가 있는 소기업 중 추천 {study.k}곳 안에서 찾는 "
                      f"비율: {_pct(a, 1)} → {_pct(b, 1)}.",
                      f"Of the small firms with a hidden true partner, the share that find one "
                      f"in their top {study.k}: {_pct(a, 1)} → {_pct(b, 1)}."))
    return tuple(out)


def _program_blocks(study: StudyLike, lang: str) -> list[Block]:
    ref = {d.program_id: d for d in study.results[study.reference].allocation.demand()}
    base = study.results[study.baseline]
    progs = base.population.programs
    demand = base.allocation.demand()
    blocks: list[Block] = [
        Heading(_t(lang, "4. 사업 정원과 수요", "4. Program slots and demand")),
        Para(_t(lang,
                "잠재 신청 기업 = 기준일에 자격이 있고, 사업을 알고, 사업의 지원 분야가 필요한 "
                "기업. 정원은 공고문이 없어 가정한 값입니다(†). 배분은 기업당 한 사업, 소기업 "
                f"우선(가중치 {study.small_priority:g})으로 적합도 합을 최대화합니다(정수계획, "
                "정확한 최적해).",
                "Potential applicants are the firms eligible on the study date that know the "
                "program and need one of its axes. Slots are assumptions (†): the calls' texts "
                "were not available. One program per firm; slots go where the total fit, with "
                f"priority weight {study.small_priority:g} for small firms, is maximal (integer "
                "program, exact optimum).")),
        Table(
            (_t(lang, "사업", "program"), _t(lang, "이름", "name"), _t(lang, "정원", "slots"),
             _t(lang, "잠재 신청 (센터 없음)", "potential applicants, no hub"),
             _t(lang, "잠재 신청 (센터 있음)", "potential applicants, hub"),
             _t(lang, "경쟁률", "per slot"), _t(lang, "소기업 선정", "small firms served"),
             _t(lang, "탈락", "left out")),
            tuple((d.program_id, progs[d.program_id].name(lang),
                   f"{d.capacity}{'†' if d.capacity_assumed else ''}",
                   f"{ref[d.program_id].applicants:,}" if d.program_id in ref else "–",
                   f"{d.applicants:,}",
                   f"{d.ratio:.1f}" if math.isfinite(d.ratio) else "∞",
                   f"{d.small_assigned}", f"{len(d.left_out):,}") for d in demand),
            align="llrrrrrr"),
        Figure("demand", _t(lang, "그림 4. 사업별 정원 대 수요, 정원 가정 민감도",
                            "Figure 4. Slots against demand per program; sensitivity to the "
                            "assumed slots")),
        Table(
            (_t(lang, "정원 배율", "slot factor"), _t(lang, "정원", "slots"),
             _t(lang, "선정", "served"), _t(lang, "소기업 잠재 신청", "small applicants"),
             _t(lang, "소기업 선정", "small served")),
            tuple((f"×{r['factor']:g}", f"{r['slots']:,}", f"{r['served']:,}",
                   f"{r['small_applicants']:,}", f"{r['small_served']:,}")
                  for r in study.sensitivity)),
    ]
    return blocks


def _reasons_text(reasons: Sequence[Any], lang: str) -> str:
    return "; ".join(r.text(lang) for r in reasons)


def _outreach_blocks(study: StudyLike, lang: str, top: int = 5) -> list[Block]:
    base = study.results[study.baseline]
    progs = base.population.programs
    insts = base.population.institutes
    blocks: list[Block] = [
        Heading(_t(lang, "6. 센터의 연락 목록", "6. The center's call lists")),
        Para(_t(lang,
                f"사업별로 자격이 있고 가장 잘 맞는 소기업 상위 {top}곳 (전체 목록은 "
                f"{len(next(iter(study.call_lists.values()), []))}곳). '인지'는 센터 없이도 "
                "사업을 알았을지 여부입니다.",
                f"Per program, the {top} eligible small firms that fit best (the full lists "
                f"hold {len(next(iter(study.call_lists.values()), []))}). 'Knows' says whether "
                "the firm would know the program without the hub.")),
    ]
    for pid, entries in study.call_lists.items():
        blocks.append(Heading(f"{pid} — {progs[pid].name(lang)}", 3))
        if not entries:
            blocks.append(Para(_t(lang, "자격 있는 소기업 없음.", "No eligible small firm.")))
            continue
        blocks.append(Table(
            (_t(lang, "기업", "firm"), _t(lang, "이름", "name"), _t(lang, "구·군", "district"),
             _t(lang, "종업원", "employees"), _t(lang, "적합도", "fit"),
             _t(lang, "인지", "knows"), _t(lang, "이유", "reasons")),
            tuple((e.firm_id, e.name, e.district.label(lang), str(e.employees),
                   f"{e.fit:.2f}", _t(lang, "예", "yes") if e.knows else _t(lang, "아니오", "no"),
                   _reasons_text(e.reasons, lang)) for e in entries[:top]),
            align="lllrrll"))
    blocks.append(Heading(_t(lang, "기관별로 가장 도움을 받을 소기업",
                             "Per institute, the small firms that would gain most"), 3))
    rows = [(insts[iid].name(lang), e.firm_id, e.name, e.district.label(lang),
             f"{e.gain:.2f}", _reasons_text(e.reasons, lang))
            for iid, entries in study.outreach.items() for e in entries[:3]]
    blocks.append(Table(
        (_t(lang, "기관", "institute"), _t(lang, "기업", "firm"), _t(lang, "이름", "name"),
         _t(lang, "구·군", "district"), _t(lang, "효과", "gain"), _t(lang, "이유", "reasons")),
        tuple(rows), align="llllrl"))
    return blocks


_METHOD: tuple[tuple[str, str], ...] = (
    (("센터 없음: 파트너 후보는 허브를 뺀 그래프에서 2단계 이내의 기업(자기 자신과 기존 "
      "협력사 제외), 기관도 2단계 이내, 사업은 2단계 이내의 기업·기관이 참여했거나 운영하면 "
      "안다고 봅니다. 후보 순위는 같은 매칭 엔진이 매깁니다."),
     ("No hub: candidate partners are the firms within 2 hops in the graph without the hub "
      "(not the firm itself nor its current partners); institutes likewise; a program is "
      "known when a firm or institute within 2 hops took part in it or runs it. The same "
      "engine ranks the candidates.")),
    (("센터 있음: 등록 소기업의 후보는 등록 기업 전체와 자기 2단계 이웃, 기관·사업은 "
      "전부입니다. 미등록 기업은 센터 없음과 같은 대우를 받습니다."),
     ("With the hub: an enrolled small firm's candidates are every enrolled firm and its own "
      "2-hop neighbourhood, and every institute and program. A firm that is not enrolled is "
      "treated as without the hub.")),
    (("실제 협력 상대 = 합성 인구에서 관측에서 빼 둔(hold-out) 실제 연결. 평균 실제 협력 "
      "확률은 숨겨진 모형(오라클)의 확률을 추천 칸마다 평균(빈 칸 0)."),
     ("True partner = a link of the synthetic population held out of the observed network. "
      "The mean true link probability averages the hidden model's (the oracle's) "
      "probability over the recommendation slots (an empty slot counts 0).")),
    (("사업 적합도 = 0.5·지원 분야 + 0.25·업종 + 0.25·관심 주제. 정원은 가정값이며 민감도 "
      "표가 정원이 바뀔 때의 결과를 보여줍니다."),
     ("Program fit = 0.5·axis + 0.25·technology + 0.25·topics. Slots are assumptions; the "
      "sensitivity table shows the result when they change.")),
)


def _method_blocks(lang: str) -> list[Block]:
    axes = ", ".join(a.label(lang) for a in SupportAxis)
    return [
        Heading(_t(lang, "7. 방법과 가정", "7. Method and assumptions")),
        Bullets((*(_t(lang, ko, en) for ko, en in _METHOD),
                 _t(lang, f"지원 분야: {axes}. 소기업 = 종업원 10인 미만.",
                    f"Support axes: {axes}. Small firm = fewer than 10 employees."))),
    ]


# --- rendering ---------------------------------------------------------------------------
def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: Sequence[Block], figures: dict[str, Path]) -> str:
    """Markdown; figures are linked by file name (they sit beside the report)."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(b.text)
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {x}" for x in b.items))
        elif isinstance(b, Table):
            align = b.align or "l" + "r" * (len(b.headers) - 1)
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out[-1] += "\n|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|"
            for row in b.rows:
                out[-1] += "\n| " + " | ".join(_md_cell(c) for c in row) + " |"
        elif isinstance(b, Figure) and b.key in figures:
            out.append(f"![{b.caption}]({figures[b.key].name})\n\n*{b.caption}*")
    return "\n\n".join(out) + "\n"


_CSS = """
body{font-family:"Noto Sans KR","Malgun Gothic","Apple SD Gothic Neo",NanumGothic,sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.6em;border-bottom:2px solid #1f6fb2}h2{margin-top:2em;color:#1f6fb2}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}th{background:#f1f4f8}
td.r{text-align:right;white-space:nowrap}figure{margin:1.5em 0}img{max-width:100%}
figcaption{font-style:italic;color:#555}
"""


def render_html(blocks: Sequence[Block], figures: dict[str, Path], *, lang: str) -> str:
    """One self-contained HTML page: figures embedded as base64 PNG."""
    esc = html.escape
    title = next((b.text for b in blocks if isinstance(b, Heading)), "rootmatch")
    out = [(f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head><meta charset="utf-8">'
            f"<title>{esc(title)}</title><style>{_CSS}</style></head>\n<body>")]
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{esc(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{esc(b.text)}</p>")
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in b.items) + "</ul>")
        elif isinstance(b, Table):
            align = b.align or "l" + "r" * (len(b.headers) - 1)
            head = "".join(f"<th>{esc(h)}</th>" for h in b.headers)
            body = "".join(
                "<tr>" + "".join(f'<td class="{a}">{esc(c)}</td>' for a, c in zip(align, row))
                + "</tr>" for row in b.rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(b, Figure) and b.key in figures:
            data = base64.b64encode(figures[b.key].read_bytes()).decode("ascii")
            out.append(f'<figure><img alt="{esc(b.caption)}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{esc(b.caption)}</figcaption></figure>")
    out.append("</body></html>\n")
    return "\n".join(out)


def write_report(study: StudyLike, out: Path, *, lang: str = "ko", figures: bool = True,
                 progress: bool = False) -> dict[str, Path]:
    """Draw the figures and write ``report.md`` and ``index.html`` into ``out``."""
    from tqdm.auto import tqdm

    from rootmatch.base._atomic import atomic_write
    from rootmatch.base.exceptions import ValidationError

    if lang not in ("ko", "en"):
        raise ValidationError(f"lang must be 'ko' or 'en', got {lang!r}", field="lang",
                              value=lang)
    out.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=2, desc="report", unit="step", disable=not progress)
    paths: dict[str, Path] = {}
    if figures:
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            raise ImportError("the study's figures need matplotlib: pip install "
                              "'rootmatch[plots]' (or pass figures=False)")
        from rootmatch.analysis.study._figures import draw_figures

        paths, _ = draw_figures(study, out, lang=lang)
    bar.update()
    blocks = build_blocks(study, lang)
    md = out / "report.md"
    atomic_write(md, render_markdown(blocks, paths).encode("utf-8"))
    page = out / "index.html"
    atomic_write(page, render_html(blocks, paths, lang=lang).encode("utf-8"))
    bar.update()
    bar.close()
    return {"markdown": md, "html": page, **paths}
