"""Figures of the design study (matplotlib, the ``plots`` extra). Private.

Figures are drawn on :class:`matplotlib.figure.Figure` objects directly (no pyplot, no global
backend), inside an ``rc_context`` that selects the Korean font, so nothing leaks into the
caller's matplotlib settings. The Korean font is NanumGothic from the ``koreanize-matplotlib``
package, found **without importing it** (importing it would change matplotlib's global
settings and needs distutils): its file is located with ``importlib.util.find_spec`` and
registered with ``fontManager.addfont``. A Korean font already installed on the system works
too. When there is none, figures fall back to English labels with a warning.
"""

from __future__ import annotations

import contextlib
import importlib.util
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rootmatch.analysis.study.result import METRICS, StudyLike
from rootmatch.base._atomic import atomic_open
from rootmatch.domain.taxonomy import District, RootTechnology, SupportAxis, TechGroup

if TYPE_CHECKING:
    from matplotlib.figure import Figure


__all__ = ["FIGURES", "draw_figures", "figure_language", "korean_font"]

#: Figure key -> file name, in report order.
FIGURES: dict[str, str] = {
    "network": "fig1_hub_network.png",
    "coverage": "fig2_coverage_by_district.png",
    "gap": "fig3_gap_matrix.png",
    "demand": "fig4_demand_vs_capacity.png",
    "what_if": "fig5_what_if.png",
}
#: Families with Hangul that may be installed on the system, in order of preference.
_SYSTEM_KOREAN = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR",
                  "Malgun Gothic", "AppleGothic", "UnDotum", "Baekmuk Gulim")
_BUNDLED = ("koreanize_matplotlib", "fonts", "NanumGothic.ttf")
_DPI = 120
_COLORS = {"without": "#9aa5b1", "with": "#1f6fb2", "capacity": "#333333",
           "hub": "#d1495b", "institute": "#edae49", "program": "#00798c"}
_GROUP_COLORS = {TechGroup.BASE: "#6c757d", TechGroup.MATERIAL: "#2a9d8f",
                 TechGroup.INTELLIGENT: "#8e6bbf"}


def _t(lang: str, ko: str, en: str) -> str:
    return ko if lang == "ko" else en


def korean_font() -> str | None:
    """Register and return a font family that has Hangul, or ``None``.

    First NanumGothic bundled in the ``koreanize-matplotlib`` package (located with
    ``importlib.util.find_spec``, never imported), then a Korean family already known to
    matplotlib.
    """
    from matplotlib import font_manager

    spec = importlib.util.find_spec(_BUNDLED[0])
    for base in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(base, *_BUNDLED[1:])
        if path.is_file():
            for other in sorted(path.parent.glob("NanumGothic*.ttf")):  # bold, light too
                font_manager.fontManager.addfont(str(other))
            return str(font_manager.FontProperties(fname=str(path)).get_name())
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _SYSTEM_KOREAN:
        if family in known:
            return family
    return None


def figure_language(lang: str) -> tuple[str, str | None]:
    """The language figures can use and the font family for it.

    Korean needs a Korean font; without one, English with a :class:`UserWarning`.
    """
    if lang != "ko":
        return "en", None
    family = korean_font()
    if family is None:
        warnings.warn("no Korean font found (install the 'plots' extra: koreanize-matplotlib); "
                      "figures use English labels", UserWarning, stacklevel=3)
        return "en", None
    return "ko", family


@contextlib.contextmanager
def _style(family: str | None) -> Iterator[None]:
    import matplotlib as mpl

    rc: dict[str, Any] = {"axes.unicode_minus": False, "axes.spines.top": False,
                          "axes.spines.right": False, "font.size": 9}
    if family is not None:
        rc["font.family"] = [family, "DejaVu Sans"]
    with mpl.rc_context(rc):
        yield


def _figure(w: float, h: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), dpi=_DPI, layout="constrained")


# --- 1. the hub network ----------------------------------------------------------------------
def plot_network(study: StudyLike, lang: str, *, n_firms: int = 60, seed: int = 0) -> Figure:
    """The hub network, sampled: the hub, every institute and program, ``n_firms`` firms."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    base = study.results[study.baseline]
    net = base.network
    G = net.graph
    rng = np.random.default_rng(seed)
    firms = np.asarray(net.firm_nodes())
    # favour firms with links, so that the sample shows the structure
    deg = np.array([G.degree(f) for f in firms], dtype=float)
    p = deg / deg.sum() if deg.sum() > 0 else None
    pick = firms[np.sort(rng.choice(firms.size, size=min(n_firms, firms.size), replace=False,
                                    p=p))]
    inst = sorted(n for n, d in G.nodes(data=True) if d.get("kind") == "institute")
    progs = sorted(n for n, d in G.nodes(data=True) if d.get("kind") == "program")
    hub = [n for n, d in G.nodes(data=True) if d.get("kind") == "hub"]
    pos: dict[str, tuple[float, float]] = dict.fromkeys(hub, (0.0, 0.0))
    angle: dict[str, float] = {}
    for ring, nodes, phase in ((0.38, progs, 0.0), (0.7, inst, 0.1)):
        for i, node in enumerate(nodes):
            angle[node] = 2 * np.pi * i / max(len(nodes), 1) + phase
            pos[node] = (ring * np.cos(angle[node]), ring * np.sin(angle[node]))
    # firms on the outer ring, placed near the institutes and programs they are linked to
    # (circular mean of their angles), so that few edges cross the picture
    def home(f: str) -> float:
        a = [angle[n] for n in G[f] if n in angle]
        return float(np.arctan2(np.mean(np.sin(a)), np.mean(np.cos(a)))) if a else 10.0

    ordered = sorted(pick.tolist(), key=lambda f: (home(f), f))
    for i, f in enumerate(ordered):
        a = 2 * np.pi * i / max(len(ordered), 1) - np.pi
        pos[f] = (1.1 * np.cos(a), 1.1 * np.sin(a))
    keep = set(pos)
    fig = _figure(9.5, 7.5)
    ax = fig.add_subplot()
    segs: dict[str, list[Any]] = {"hub": [], "firm": [], "other": []}
    # edges in a fixed order (a subgraph view would iterate a set: hash order)
    edges = sorted({(min(u, v), max(u, v)): d for u, v, d in G.edges(sorted(keep), data=True)
                    if u in keep and v in keep}.items())
    for (u, v), d in edges:
        rel = d.get("relation")
        kind = "hub" if rel in ("coordinates", "brokers", "enrolled") else (
            "firm" if rel == "collaborates" and u.startswith("firm:")
            and v.startswith("firm:") else "other")
        segs[kind].append((pos[u], pos[v]))
    ax.add_collection(LineCollection(segs["hub"], colors=_COLORS["hub"], linewidths=0.4,
                                     alpha=0.25))
    ax.add_collection(LineCollection(segs["other"], colors="#888888", linewidths=0.6,
                                     alpha=0.5))
    ax.add_collection(LineCollection(segs["firm"], colors="#222222", linewidths=1.0,
                                     alpha=0.8))
    table = net.firms
    rows = table.positions([f.split(":", 1)[1] for f in pick])
    tm = table.tech_mask[rows].astype(np.int64)
    prim = [min((t for t in RootTechnology if m >> t.value & 1), key=lambda t: t.value)
            for m in tm]
    colors = [_GROUP_COLORS[t.group] for t in prim]
    sizes = np.where(table.is_small[rows], 22, 50)
    xy = np.array([pos[f] for f in pick])
    ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=colors, edgecolors="white", linewidths=0.5,
               zorder=3)
    for nodes, color, size in ((inst, _COLORS["institute"], 120),
                               (progs, _COLORS["program"], 140)):
        xy = np.array([pos[n] for n in nodes]) if nodes else np.zeros((0, 2))
        ax.scatter(xy[:, 0], xy[:, 1], s=size, c=color, edgecolors="white", zorder=4,
                   marker="s" if color == _COLORS["program"] else "o")
        for n, (x, y) in zip(nodes, xy):
            label = n.split(":", 1)[1]
            ax.annotate(label, (x, y), xytext=(0, 7), textcoords="offset points",
                        ha="center", fontsize=6.5, zorder=5,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                              "alpha": 0.75})
    if hub:
        ax.scatter([0], [0], s=600, c=_COLORS["hub"], marker="*", zorder=6)
        ax.annotate(_t(lang, "지원센터", "hub"), (0, 0), xytext=(0, -16),
                    textcoords="offset points", ha="center", fontsize=9, weight="bold")
    handles = [
        Line2D([], [], marker="*", ls="", color=_COLORS["hub"], ms=12,
               label=_t(lang, "지원센터 (허브)", "support center (hub)")),
        Line2D([], [], marker="o", ls="", color=_COLORS["institute"], ms=8,
               label=_t(lang, "기관", "institute")),
        Line2D([], [], marker="s", ls="", color=_COLORS["program"], ms=8,
               label=_t(lang, "지원사업", "program")),
        *[Line2D([], [], marker="o", ls="", color=c, ms=6,
                 label=_t(lang, f"기업: {g.label_ko}", f"firm: {g.label_en}"))
          for g, c in _GROUP_COLORS.items()],
        Line2D([], [], color="#222222", label=_t(lang, "기업 간 협력", "firm collaboration")),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False,
              bbox_to_anchor=(1.0, 1.0))
    ax.set_title(_t(lang, f"지원센터 네트워크 (기업 {len(pick)}곳 표본, 작은 점 = 10인 미만)",
                    f"The hub network (sample of {len(pick)} firms; small dots: < 10 employees)"))
    ax.set_aspect("equal")
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.axis("off")
    return fig


# --- 2. coverage by district -------------------------------------------------------------------
def plot_coverage(study: StudyLike, lang: str) -> Figure:
    """Per district, small firms that know an eligible program / get a relevant institute."""
    rows = study.by_group("district", lang=lang)
    rows = [r for r in rows if r["n"] > 0]
    rows.sort(key=lambda r: r["n"])
    labels = [f"{r['group']} ({r['n']})" for r in rows]
    y = np.arange(len(rows))
    fig = _figure(9.5, 0.32 * len(rows) + 1.8)
    panels = (("knows_eligible_program", _t(lang, "신청 가능한 사업을 아는 비율",
                                            "know an eligible program")),
              ("relevant_institute", _t(lang, "관련 전문기관을 추천받는 비율",
                                        "get a relevant institute")),
              ("true_partner", _t(lang, "실제 협력 상대를 찾는 비율\n(숨은 상대가 있는 소기업 중)",
                                  "find a true partner\n(of those with a hidden one)")))
    axes = fig.subplots(1, len(panels), sharey=True)
    for ax, (metric, title) in zip(axes, panels):
        without = np.array([r[f"{metric}_without"] for r in rows], dtype=float)
        with_ = np.array([r[f"{metric}_with"] for r in rows], dtype=float)
        ax.barh(y - 0.2, 100 * np.nan_to_num(without), 0.4, color=_COLORS["without"],
                label=_t(lang, "센터 없음", "no hub"))
        ax.barh(y + 0.2, 100 * np.nan_to_num(with_), 0.4, color=_COLORS["with"],
                label=_t(lang, "센터 있음", "with hub"))
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("%")
        ax.set_xlim(0, 105 if metric != "true_partner" else
                    max(5, 110 * float(np.nanmax(np.r_[with_, without, 0.01]))))
    axes[0].set_yticks(y, labels)
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    fig.suptitle(_t(lang, "구·군별 소기업(10인 미만) 지원 도달률: 센터 없음 대 센터 있음 "
                          "(괄호: 소기업 수)",
                    "Small firms (< 10 employees) reached, by district: no hub vs hub "
                    "(n small firms)"), fontsize=10)
    return fig


# --- 3. the gap matrix -------------------------------------------------------------------------
def plot_gap(study: StudyLike, lang: str) -> Figure:
    """Heatmap of small firms' needs, technology × axis; unmet cells outlined."""
    from matplotlib.patches import Rectangle

    gap = study.gap
    share = 100 * gap.share
    fig = _figure(8.5, 8.5)
    ax = fig.add_subplot()
    vmax = max(float(share.max()), 1.0)
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    light = ListedColormap(colormaps["Blues"](np.linspace(0.02, 0.62, 256)))  # black text
    im = ax.imshow(share, cmap=light, aspect="auto", vmin=0, vmax=vmax)
    for t in RootTechnology:
        for a in SupportAxis:
            i, j = t.value, a.value
            n_p = len(gap.programs[i, j])
            n_i = len(gap.institutes[i, j])
            color = "black"
            ax.text(j, i - 0.13, f"{gap.need[i, j]:,}", ha="center", va="center",
                    fontsize=9, weight="bold", color=color)
            ax.text(j, i + 0.22, _t(lang, f"특화사업 {n_p} · 기관 {n_i}",
                                    f"programs {n_p} · institutes {n_i}"),
                    ha="center", va="center", fontsize=6.5, color=color)
            if gap.status[i, j] == "unmet":
                ax.add_patch(Rectangle((j - 0.47, i - 0.45), 0.94, 0.9, fill=False,
                                       edgecolor="#d00000", linewidth=2.5))
    ax.set_xticks(range(len(SupportAxis)), [a.label(lang) for a in SupportAxis])
    ax.set_yticks(range(len(RootTechnology)),
                  [f"{t.label(lang)} ({gap.firms[t.value]})" for t in RootTechnology])
    ax.xaxis.tick_top()
    cb = fig.colorbar(im, ax=ax, shrink=0.6)
    cb.set_label(_t(lang, "해당 업종 소기업 중 필요 비율 (%)", "% of the technology's small firms"))
    ax.set_title(_t(lang, "정책 공백: 업종별 소기업 수요 대 업종 특화 공급\n"
                          "(굵은 숫자: 지원이 필요한 소기업 수; 빨간 테두리: 특화 사업도 "
                          "전문 기관도 없음)",
                    "Policy gaps: small firms' needs vs sector-specific supply\n"
                    "(bold: small firms in need; red frame: no targeted program and no "
                    "expert institute)"), fontsize=10)
    return fig


# --- 4. demand against capacity ----------------------------------------------------------------
def plot_demand(study: StudyLike, lang: str) -> Figure:
    """Per program: slots against applicants without and with the hub; capacity sensitivity."""
    ref = {d.program_id: d for d in study.results[study.reference].allocation.demand()}
    base = study.results[study.baseline].allocation.demand()
    ids = [d.program_id for d in base]
    x = np.arange(len(ids))
    fig = _figure(10, 4.4)
    ax, ax2 = fig.subplots(1, 2, width_ratios=(2.2, 1))
    cap = np.array([d.capacity for d in base], float)
    a0 = np.array([ref[p].applicants if p in ref else 0 for p in ids], float)
    a1 = np.array([d.applicants for d in base], float)
    ax.bar(x - 0.27, np.maximum(cap, 0.8), 0.27, color=_COLORS["capacity"],
           label=_t(lang, "정원 (가정)", "slots (assumed)"))
    ax.bar(x, np.maximum(a0, 0.8), 0.27, color=_COLORS["without"],
           label=_t(lang, "잠재 신청 (센터 없음)", "potential applicants, no hub"))
    ax.bar(x + 0.27, np.maximum(a1, 0.8), 0.27, color=_COLORS["with"],
           label=_t(lang, "잠재 신청 (센터 있음)", "potential applicants, with hub"))
    for xi, c in zip(x, cap):
        ax.annotate(f"{c:.0f}", (xi - 0.27, max(c, 0.8)), xytext=(0, 2),
                    textcoords="offset points", ha="center", fontsize=7)
    for xi, c, a in zip(x, cap, a1):
        if c > 0:
            ax.annotate(f"×{a / c:.0f}", (xi + 0.27, a), xytext=(0, 2),
                        textcoords="offset points", ha="center", fontsize=7)
    ax.set_yscale("log")
    ax.set_xticks(x, ids, rotation=0)
    ax.set_ylabel(_t(lang, "기업 수 (로그 눈금)", "firms (log scale)"))
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.07),
              ncols=3)
    ax.set_title(_t(lang, "사업별 정원 대 잠재 수요 (×: 정원 대비 경쟁률, 센터 있음)",
                    "Slots vs potential applicants per program (×: per slot, with hub)"),
                 fontsize=9)
    f = np.array([r["factor"] for r in study.sensitivity])
    served = np.array([r["small_served"] for r in study.sensitivity], float)
    small_app = np.array([r["small_applicants"] for r in study.sensitivity], float)
    ax2.plot(f, 100 * served / np.maximum(small_app, 1), marker="o", color=_COLORS["with"])
    ax2.set_xlabel(_t(lang, "정원 배율 (1 = 현재 가정)", "capacity factor (1 = assumed)"))
    ax2.set_ylabel(_t(lang, "선정되는 소기업 잠재 신청자 (%)",
                      "small potential applicants served (%)"))
    ax2.set_title(_t(lang, "정원 가정 민감도", "Sensitivity to the assumed capacities"),
                  fontsize=9)
    ax2.set_ylim(0, max(5.0, 110 * float((served / np.maximum(small_app, 1)).max())))
    return fig


# --- 5. what-ifs -------------------------------------------------------------------------------
_WHAT_IF_METRICS = ("true_partner", "relevant_institute", "knows_eligible_program", "reach",
                    "cross_sector")


def plot_what_if(study: StudyLike, lang: str) -> Figure:
    """Change of each metric (percentage points) against the baseline, per scenario."""
    rows = study.what_if_table(lang=lang)
    names = [r["label"] for r in rows]
    D = np.array([[100 * r[f"delta_{m}"] for m in _WHAT_IF_METRICS] for r in rows])
    D = np.nan_to_num(D)
    fig = _figure(11, 0.45 * len(rows) + 2.2)
    ax, ax2 = fig.subplots(1, 2, width_ratios=(2.4, 1), sharey=True)
    lim = max(float(np.abs(D).max()), 1.0)
    ax.imshow(D, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    for i in range(D.shape[0]):
        for j in range(D.shape[1]):
            ax.text(j, i, f"{D[i, j]:+.1f}", ha="center", va="center", fontsize=7,
                    color="white" if abs(D[i, j]) > 0.6 * lim else "black")
    i_lang = 0 if lang == "ko" else 1
    ax.set_xticks(range(len(_WHAT_IF_METRICS)),
                  [METRICS[m][i_lang] for m in _WHAT_IF_METRICS], rotation=20, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_title(_t(lang, "기준(센터, 전체 등록) 대비 변화 (%p)",
                    "Change against the baseline (hub, all enrolled), percentage points"),
                 fontsize=9)
    served = np.array([r["small_served"] for r in rows], float)
    apps = np.array([r["applicants"] for r in rows], float)
    slots = np.array([r["slots"] for r in rows], float)
    y = np.arange(len(rows))
    ax2.barh(y - 0.2, apps, 0.4, color=_COLORS["without"],
             label=_t(lang, "잠재 신청 기업", "potential applicants"))
    ax2.barh(y + 0.2, served, 0.4, color=_COLORS["with"],
             label=_t(lang, "선정된 소기업", "small firms served"))
    for yi, a, s, c in zip(y, apps, served, slots):
        ax2.annotate(f"{a:,.0f}", (a, yi - 0.2), xytext=(2, 0), textcoords="offset points",
                     va="center", fontsize=7)
        ax2.annotate(f"{s:,.0f} / {c:,.0f}", (s, yi + 0.2), xytext=(2, 0),
                     textcoords="offset points", va="center", fontsize=7)
    ax2.set_xlim(0, 1.45 * max(float(apps.max()), 10.0))
    ax2.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.06),
               ncols=2)
    ax2.set_title(_t(lang, "잠재 신청과 선정 (선정/정원)",
                     "Potential applicants, slots (served/slots)"),
                  fontsize=9)
    return fig


_PLOTS = {"network": plot_network, "coverage": plot_coverage, "gap": plot_gap,
          "demand": plot_demand, "what_if": plot_what_if}


def draw_figures(study: StudyLike, out: Path, *, lang: str = "ko") -> tuple[dict[str, Path], str]:
    """Draw every figure into ``out``; returns the paths and the language used."""
    used, family = figure_language(lang)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    with _style(family):
        for key, name in FIGURES.items():
            fig = _PLOTS[key](study, used)
            path = out / name
            with atomic_open(path) as fh:
                fig.savefig(fh, dpi=_DPI, format="png")
            paths[key] = path
    return paths, used


def district_label(code: int, lang: str) -> str:
    """A district's label in ``lang``."""
    return District(int(code)).label(lang)
