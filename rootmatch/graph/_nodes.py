"""Node ids of a support network: typed strings for the hub, firms, institutes and programs,
and the node kinds and edge relations."""

from __future__ import annotations

from rootmatch.base.exceptions import ValidationError

__all__ = ["HUB", "NODE_KINDS", "RELATIONS", "_KIND_OF_PREFIX", "_PREFIX", "entity_of", "node_id"]


HUB = "hub"
#: Node kinds.
NODE_KINDS = frozenset({"hub", "firm", "institute", "program"})
#: Edge relations.
RELATIONS = frozenset(
    {"coordinates", "brokers", "enrolled", "operates", "member_of", "collaborates",
     "participated"}
)
_PREFIX = {"firm": "firm:", "institute": "inst:", "program": "prog:"}
_KIND_OF_PREFIX = {v: k for k, v in _PREFIX.items()}


def node_id(kind: str, entity_id: str) -> str:
    """The graph node id of an entity.

    Examples
    --------
    >>> node_id("firm", "F000123"), node_id("institute", "BMC"), node_id("hub", "hub")
    ('firm:F000123', 'inst:BMC', 'hub')
    """
    if kind == "hub":
        return HUB
    try:
        return _PREFIX[kind] + entity_id
    except KeyError:
        raise ValidationError(
            f"kind must be one of {sorted(NODE_KINDS)}, got {kind!r}", field="kind", value=kind
        ) from None


def entity_of(node: str) -> tuple[str, str]:
    """The ``(kind, entity id)`` of a graph node id.

    Examples
    --------
    >>> entity_of("prog:BS24-05"), entity_of("hub")
    (('program', 'BS24-05'), ('hub', 'hub'))
    """
    if node == HUB:
        return "hub", HUB
    prefix, sep, rest = str(node).partition(":")
    kind = _KIND_OF_PREFIX.get(prefix + sep)
    if kind is None or not rest:
        raise ValidationError(f"not a node id of a SupportNetwork: {node!r}", field="node",
                              value=node)
    return kind, rest
