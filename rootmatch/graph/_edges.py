"""Every edge of a support network as index arrays (the one source of the graph and of
every sparse view), the NetworkX graph built from them, and the nodes' attributes."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from rootmatch.domain.entities import Institute, SupportCenter
from rootmatch.domain.program import Program
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import District, RootTechnology
from rootmatch.graph._nodes import HUB, node_id
from rootmatch.graph._state import _NetworkState

__all__ = ["_EdgeArrays", "_firm_node_attrs"]


_DISTRICT_EN = np.array([d.label_en for d in District])
_DISTRICT_KO = np.array([d.label_ko for d in District])


def _firm_node_attrs(firms: FirmTable) -> list[dict[str, Any]]:
    """Node attributes of every firm row (scalars only, so every exporter can write them)."""
    masks, inverse = np.unique(firms.tech_mask, return_inverse=True)
    tech_text = np.array(
        [";".join(t.name for t in RootTechnology if int(m) >> t.value & 1) for m in masks]
        or [""]
    )
    columns = {
        "id": firms.ids.tolist(),
        "label_ko": firms.names.tolist(),
        "label_en": firms.names.tolist(),
        "employees": firms.employees.tolist(),
        "small": firms.is_small.tolist(),
        "district": _DISTRICT_EN[firms.district].tolist(),
        "district_ko": _DISTRICT_KO[firms.district].tolist(),
        "technologies": tech_text[inverse.reshape(-1)].tolist() if len(firms) else [],
        "digital_level": firms.digital_level.tolist(),
        "cluster": np.asarray(firms.cluster_vocab, dtype=object)[firms.cluster].tolist(),
    }
    keys = ["kind", *columns]
    return [
        dict(zip(keys, values, strict=True))
        for values in zip(itertools.repeat("firm"), *columns.values())
    ]


def _institute_attrs(inst: Institute) -> dict[str, Any]:
    return {
        "kind": "institute", "id": inst.id, "label_ko": inst.name_ko, "label_en": inst.name_en,
        "institute_kind": inst.kind.label_en,
        "district": inst.district.label_en if inst.district is not None else "",
        "district_ko": inst.district.label_ko if inst.district is not None else "",
        "expertise": ";".join(t.name for t in sorted(inst.expertise, key=lambda t: t.value)),
    }


def _program_attrs(prog: Program) -> dict[str, Any]:
    return {
        "kind": "program", "id": prog.id, "label_ko": prog.name_ko, "label_en": prog.name_en,
        "axis": prog.axis.label_en, "start": prog.start.isoformat(),
        "end": prog.end.isoformat(), "funding": prog.funding.label_en,
        "capacity": -1 if prog.capacity is None else int(prog.capacity),
    }


def _hub_attrs(hub: SupportCenter) -> dict[str, Any]:
    return {"kind": "hub", "id": hub.id, "label_ko": hub.name_ko, "label_en": hub.name_en}


class _EdgeArrays(_NetworkState):
    """The edge arrays and the graph of a support network (a part of
    :class:`~rootmatch.graph.network.SupportNetwork`)."""

    def _edges(self) -> dict[str, Any]:
        """Every edge as index arrays: firm rows, institute and program columns."""
        if "edges" in self._cache:
            return self._cache["edges"]
        firms = self.firms
        n = len(firms)
        inst = self.institute_ids()
        progs = self.program_ids()
        inst_pos = {v: i for i, v in enumerate(inst)}
        prog_pos = {v: i for i, v in enumerate(progs)}
        mem_map = np.array([inst_pos.get(v, -1) for v in firms.membership_vocab] or [-1])
        part_map = np.array([prog_pos.get(v, -1) for v in firms.program_vocab] or [-1])
        mem_rows = np.repeat(np.arange(n), np.diff(firms.mem_indptr))
        mem_cols = mem_map[firms.mem_codes] if firms.mem_codes.size else mem_rows[:0]
        part_rows = np.repeat(np.arange(n), np.diff(firms.part_indptr))
        part_cols = part_map[firms.part_program] if firms.part_program.size else part_rows[:0]
        if part_rows.size:  # a firm may join a program twice: one edge
            key = np.unique(part_rows.astype(np.int64) * max(len(progs), 1) + part_cols)
            part_rows, part_cols = key // max(len(progs), 1), key % max(len(progs), 1)
        if mem_rows.size:
            key = np.unique(mem_rows.astype(np.int64) * max(len(inst), 1) + mem_cols)
            mem_rows, mem_cols = key // max(len(inst), 1), key % max(len(inst), 1)
        link_rows = firms.positions(self._links[:, 0]) if self._links.size else mem_rows[:0]
        link_cols = (
            np.searchsorted(np.asarray(inst, dtype=np.str_), self._links[:, 1])
            if self._links.size else mem_rows[:0]
        )
        if link_rows.size:  # a member's link to its own institute stays member_of
            is_member = np.isin(
                link_rows.astype(np.int64) * max(len(inst), 1) + link_cols,
                mem_rows.astype(np.int64) * max(len(inst), 1) + mem_cols,
            )
            link_rows, link_cols = link_rows[~is_member], link_cols[~is_member]
        if self._collab.size:
            ca, cb = firms.positions(self._collab[:, 0]), firms.positions(self._collab[:, 1])
        else:
            ca = cb = np.zeros(0, np.intp)
        op_inst, op_prog = [], []
        for j, pid in enumerate(progs):
            for iid in sorted(self.programs[pid].operators):
                op_inst.append(inst_pos[iid])
                op_prog.append(j)
        out = {
            "n": n, "institutes": inst, "programs": progs,
            "enrolled": np.flatnonzero(self.enrolled),
            "member_of": (mem_rows.astype(np.intp), mem_cols.astype(np.intp)),
            "collaborates_inst": (link_rows.astype(np.intp), link_cols.astype(np.intp)),
            "participated": (part_rows.astype(np.intp), part_cols.astype(np.intp)),
            "collaborates": (ca.astype(np.intp), cb.astype(np.intp)),
            "operates": (np.asarray(op_inst, np.intp), np.asarray(op_prog, np.intp)),
        }
        self._cache["edges"] = out
        return out

    def _build_graph(self) -> nx.Graph:
        e = self._edges()
        inst_nodes = np.char.add("inst:", np.asarray(e["institutes"] or [""], np.str_))
        prog_nodes = np.char.add("prog:", np.asarray(e["programs"] or [""], np.str_))
        firm_nodes = np.char.add("firm:", self.firms.ids.astype(np.str_)) if e["n"] else \
            np.zeros(0, np.str_)
        G = nx.Graph()
        if self.hub is not None:
            G.add_node(HUB, **_hub_attrs(self.hub))
        G.add_nodes_from(
            (node_id("institute", i), _institute_attrs(self.institutes[i]))
            for i in e["institutes"]
        )
        G.add_nodes_from(
            (node_id("program", p), _program_attrs(self.programs[p])) for p in e["programs"]
        )
        G.add_nodes_from(zip(firm_nodes.tolist(), _firm_node_attrs(self.firms), strict=True))

        def add(a: NDArray[np.str_], b: NDArray[np.str_], relation: str) -> None:
            G.add_edges_from(
                zip(a.tolist(), b.tolist(), itertools.repeat({"relation": relation}))
            )

        if self.hub is not None:
            hub_col = np.full(1, HUB)
            if e["institutes"]:
                add(np.repeat(hub_col, len(inst_nodes)), inst_nodes, "coordinates")
            if e["programs"]:
                add(np.repeat(hub_col, len(prog_nodes)), prog_nodes, "brokers")
            add(np.repeat(hub_col, e["enrolled"].size), firm_nodes[e["enrolled"]], "enrolled")
        oi, op = e["operates"]
        add(inst_nodes[oi], prog_nodes[op], "operates")
        r, c = e["member_of"]
        add(firm_nodes[r], inst_nodes[c], "member_of")
        r, c = e["collaborates_inst"]
        add(firm_nodes[r], inst_nodes[c], "collaborates")
        r, c = e["participated"]
        add(firm_nodes[r], prog_nodes[c], "participated")
        a, b = e["collaborates"]
        add(firm_nodes[a], firm_nodes[b], "collaborates")
        return G
