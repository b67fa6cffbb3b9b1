"""Hypothesis strategies shared by the tests (compose small ones; add yours at the end)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

import rootmatch as rm

technologies = st.sampled_from(list(rm.RootTechnology))
districts = st.sampled_from(list(rm.District))
axes = st.sampled_from(list(rm.SupportAxis))
topics = st.sampled_from(list(rm.Topic))
materials = st.sampled_from(list(rm.Material))
dates = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2027, 12, 31))
catalog_program_ids = st.sampled_from([f"BS24-0{i}" for i in range(1, 8)])
firm_ids = st.from_regex(r"F[0-9]{1,6}", fullmatch=True)


@st.composite
def participations(draw: st.DrawFn, program_ids: st.SearchStrategy[str] = catalog_program_ids):
    """A Participation in one of ``program_ids``."""
    return rm.Participation(program_id=draw(program_ids), on=draw(dates))


@st.composite
def firms(
    draw: st.DrawFn,
    firm_id: st.SearchStrategy[str] = firm_ids,
    max_employees: int = 400,
    memberships: st.SearchStrategy[frozenset[str]] | None = None,
) -> rm.Firm:
    """A valid Firm with every field drawn."""
    mem = memberships if memberships is not None else st.frozensets(
        st.sampled_from(["BGMC", "BMC", "BAPIC"]), max_size=2
    )
    return rm.Firm(
        id=draw(firm_id),
        name=draw(st.text(alphabet="가나다라마바사아자 ABCdef0123", min_size=1, max_size=12)
                  .filter(lambda s: s.strip() != "")),
        technologies=draw(st.frozensets(technologies, min_size=1, max_size=4)),
        employees=draw(st.integers(0, max_employees)),
        district=draw(districts),
        founded=draw(st.none() | st.integers(1950, 2024)),
        workforce_40plus=draw(st.floats(0, 1)),
        foreign_share=draw(st.floats(0, 1)),
        digital_level=draw(st.integers(0, 4)),
        materials=draw(st.frozensets(materials, max_size=3)),
        needs=draw(st.frozensets(axes, max_size=4)),
        topics=draw(st.frozensets(topics, max_size=4)),
        certified=draw(st.booleans()),
        memberships=draw(mem),
        participations=draw(st.lists(participations(), max_size=3)),
        cluster=draw(st.sampled_from(["", "녹산", "장림", "사상"])),
    )


@st.composite
def firm_lists(draw: st.DrawFn, min_size: int = 0, max_size: int = 20) -> list[rm.Firm]:
    """Firms with unique ids."""
    n = draw(st.integers(min_size, max_size))
    return [draw(firms(firm_id=st.just(f"F{i:04d}"))) for i in range(n)]
