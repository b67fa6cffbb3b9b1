"""The mutators of a support network: firms and collaborations added and removed, the graph
updated in place and every cached view dropped."""

from __future__ import annotations

from typing import Any

import numpy as np

from rootmatch.base.exceptions import UnknownEntityError, ValidationError
from rootmatch.domain.entities import Firm
from rootmatch.domain.table import SCALAR_COLUMNS, FirmTable
from rootmatch.graph._edges import _firm_node_attrs
from rootmatch.graph._nodes import HUB, node_id
from rootmatch.graph._state import _NetworkState

__all__ = ["_Edits"]


def _append_firm(table: FirmTable, firm: Firm) -> FirmTable:
    """``table`` with ``firm`` as a new last row (vocabularies extended, old codes kept)."""
    one = FirmTable.from_firms([firm])

    def merge(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[tuple[str, ...], Any]:
        where = {v: i for i, v in enumerate(old)}
        vocab = list(old) + [v for v in new if v not in where]
        where = {v: i for i, v in enumerate(vocab)}
        return tuple(vocab), np.array([where[v] for v in new] or [0], np.int64)

    cluster_vocab, cluster_map = merge(table.cluster_vocab, one.cluster_vocab)
    mem_vocab, mem_map = merge(table.membership_vocab, one.membership_vocab)
    prog_vocab, prog_map = merge(table.program_vocab, one.program_vocab)
    cols = {
        name: np.concatenate([getattr(table, name), getattr(one, name)])
        for name in SCALAR_COLUMNS if name != "cluster"
    }
    cols["cluster"] = np.concatenate([table.cluster, cluster_map[one.cluster]])
    return FirmTable.from_columns(
        **cols,
        cluster_vocab=cluster_vocab,
        membership_vocab=mem_vocab,
        mem_indptr=np.concatenate([table.mem_indptr, table.mem_indptr[-1] + one.mem_indptr[1:]]),
        mem_codes=np.concatenate([table.mem_codes, mem_map[one.mem_codes]]),
        program_vocab=prog_vocab,
        part_indptr=np.concatenate(
            [table.part_indptr, table.part_indptr[-1] + one.part_indptr[1:]]
        ),
        part_program=np.concatenate([table.part_program, prog_map[one.part_program]]),
        part_on=np.concatenate([table.part_on, one.part_on]),
        validate=False,
    )


class _Edits(_NetworkState):
    """The mutators of a support network (a part of
    :class:`~rootmatch.graph.network.SupportNetwork`)."""

    def _invalidate(self) -> None:
        self._cache.clear()

    def add_firm(self, firm: Firm, *, enrolled: bool = True) -> None:
        """Add a firm with its memberships and participations (and its hub link if
        ``enrolled`` and the network has a hub).

        Raises
        ------
        ValidationError
            If the id is already in the network.
        UnknownEntityError
            If a membership or participation names an unknown institute or program.
        """
        if not isinstance(firm, Firm):
            raise ValidationError(f"expected a rootmatch.Firm, got {type(firm).__name__}",
                                  field="firm", value=type(firm).__name__)
        if firm.id in self.firms:
            raise ValidationError(f"firm {firm.id!r} is already in the network", field="id",
                                  value=firm.id)
        one = FirmTable.from_firms([firm])
        self._check_firm_columns(one)
        linked = bool(enrolled) and self.has_hub
        self._invalidate()
        self.firms = _append_firm(self.firms, firm)
        enrolled_arr = np.append(self.enrolled, linked)
        enrolled_arr.setflags(write=False)
        self.enrolled = enrolled_arr
        node = node_id("firm", firm.id)
        self.graph.add_node(node, **_firm_node_attrs(one)[0])
        if linked:
            self.graph.add_edge(HUB, node, relation="enrolled")
        for iid in sorted(firm.memberships):
            self.graph.add_edge(node, node_id("institute", iid), relation="member_of")
        for pid in sorted({p.program_id for p in firm.participations}):
            self.graph.add_edge(node, node_id("program", pid), relation="participated")

    def remove_firm(self, firm_id: str) -> None:
        """Remove a firm, its node and every link it has.

        Raises
        ------
        UnknownEntityError
            If the firm is not in the network.
        """
        row = self.firms.position(firm_id)
        self._invalidate()
        keep = np.ones(len(self.firms), bool)
        keep[row] = False
        self.firms = self.firms.take(keep)
        enrolled = self.enrolled[keep]
        enrolled.setflags(write=False)
        self.enrolled = enrolled
        if self._collab.size:
            self._collab = self._collab[(self._collab != firm_id).all(axis=1)]
        if self._links.size:
            self._links = self._links[self._links[:, 0] != firm_id]
        self.graph.remove_node(node_id("firm", firm_id))

    def _resolve(self, a: str, b: str, kind: str | None) -> str:
        if a not in self.firms:
            raise UnknownEntityError(f"unknown firm id {a!r}")
        if kind not in (None, "firm", "institute"):
            raise ValidationError(f"kind must be 'firm', 'institute' or None, got {kind!r}",
                                  field="kind", value=kind)
        is_firm = kind in (None, "firm") and b in self.firms
        is_inst = kind in (None, "institute") and b in self.institutes
        if is_firm and is_inst:
            raise ValidationError(
                f"{b!r} is both a firm and an institute id: pass kind='firm' or "
                f"kind='institute'", field="kind", value=b,
            )
        if not (is_firm or is_inst):
            what = {"firm": "firm", "institute": "institute"}.get(kind or "", "firm or institute")
            raise UnknownEntityError(f"unknown {what} id {b!r}")
        if is_firm and a == b:
            raise ValidationError(f"firm {a!r} cannot collaborate with itself", field="b",
                                  value=b)
        return "firm" if is_firm else "institute"

    def _is_member(self, firm_id: str, institute_id: str) -> bool:
        return institute_id in self.firms[firm_id].memberships

    def add_collaboration(self, a: str, b: str, *, kind: str | None = None) -> None:
        """Record that firm ``a`` collaborates with firm or institute ``b`` (idempotent).

        Parameters
        ----------
        a : str
            A firm id.
        b : str
            A firm id or an institute id.
        kind : {"firm", "institute"}, optional
            What ``b`` is, when an id names both a firm and an institute.
        """
        kind_b = self._resolve(a, b, kind)
        if kind_b == "firm":
            pair = np.sort(np.asarray([[a, b]], dtype=np.str_), axis=1)
            if self._collab.size and ((self._collab == pair).all(axis=1)).any():
                return
            self._invalidate()
            self._collab = np.unique(np.concatenate([self._collab, pair]), axis=0)
            self.graph.add_edge(node_id("firm", a), node_id("firm", b), relation="collaborates")
            return
        link = np.asarray([[a, b]], dtype=np.str_)
        if self._links.size and ((self._links == link).all(axis=1)).any():
            return
        self._invalidate()
        self._links = np.unique(np.concatenate([self._links, link]), axis=0)
        if not self._is_member(a, b):
            self.graph.add_edge(node_id("firm", a), node_id("institute", b),
                                relation="collaborates")

    def remove_collaboration(self, a: str, b: str, *, kind: str | None = None) -> None:
        """Remove the collaboration of firm ``a`` with firm or institute ``b``.

        A membership is not a collaboration: a member's edge to its institute stays.

        Raises
        ------
        UnknownEntityError
            If either id is unknown or there is no such collaboration.
        """
        kind_b = self._resolve(a, b, kind)
        if kind_b == "firm":
            pair = np.sort(np.asarray([[a, b]], dtype=np.str_), axis=1)
            hit = (self._collab == pair).all(axis=1) if self._collab.size else np.zeros(0, bool)
            if not hit.any():
                raise UnknownEntityError(f"no collaboration between firms {a!r} and {b!r}")
            self._invalidate()
            self._collab = self._collab[~hit]
            self.graph.remove_edge(node_id("firm", a), node_id("firm", b))
            return
        hit = (self._links == np.asarray([a, b], dtype=np.str_)).all(axis=1) \
            if self._links.size else np.zeros(0, bool)
        if not hit.any():
            raise UnknownEntityError(f"no collaboration between firm {a!r} and institute {b!r}")
        self._invalidate()
        self._links = self._links[~hit]
        if not self._is_member(a, b):
            self.graph.remove_edge(node_id("firm", a), node_id("institute", b))
