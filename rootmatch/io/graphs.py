"""Graph export: GraphML and GEXF (Gephi, igraph) and node-link JSON. Public through
:mod:`rootmatch.io`.

The three formats hold only scalar attributes, so every node, edge and graph attribute is
**flattened** first (:func:`flatten_graph`):

- ``None`` and NaN are dropped (the formats have no "missing");
- ``bool``, ``int``, ``float`` and ``str`` stay (numpy scalars become Python ones);
- enum members become their ``name``; dates their ISO text;
- sets become their items' text, sorted and joined with ``;``; lists and tuples likewise,
  in order; mappings become JSON text; anything else its ``str``;
- one attribute takes one type across all nodes (or all edges): ``int`` mixed with ``float``
  becomes ``float``, any other mixture becomes text;
- names a format reserves get a trailing underscore: ``id`` everywhere (GraphML readers such
  as igraph keep the node id there, node-link JSON keys nodes by it), ``source``, ``target``
  and ``key`` on node-link edges, and GEXF's ``pid``, ``start``, ``end``, ``parents``,
  ``spells``, ``viz``, edge ``type`` and graph ``mode``, ``node_default`` and
  ``edge_default`` (GEXF would read ``start``/``end`` as time spans); a GEXF graph ``name``
  becomes text;
- in GraphML and GEXF, characters XML 1.0 cannot hold (most control characters, lone
  surrogates) become U+FFFD and line ends become ``\n`` (as an XML parser reads them), in
  values, names and node ids alike.

:func:`read_node_link` gives back exactly ``flatten_graph(G, format="json")``.
:func:`read_graphml` refuses any document with a DOCTYPE (so no entity can be declared, let
alone expanded) before networkx parses it.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union
from xml.parsers import expat

import numpy as np

from rootmatch.base._atomic import atomic_write
from rootmatch.base._files import read_regular
from rootmatch.base.exceptions import DataError, ValidationError
from rootmatch.io._problems import Problem, _data_error

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["flatten_graph", "read_graphml", "read_node_link", "write_graph"]

PathLike = Union[str, "os.PathLike[str]"]
GraphFormat = Literal["graphml", "gexf", "json"]

#: The largest graph file read, in bytes (a graph of a national population is far smaller).
MAX_GRAPH_BYTES = 512 * 2**20
_SUFFIXES = {".graphml": "graphml", ".gexf": "gexf", ".json": "json"}
_RESERVED_NODE = {
    "graphml": frozenset({"id"}),
    "gexf": frozenset({"id", "pid", "start", "end", "parents", "spells", "viz"}),
    "json": frozenset({"id"}),
}
_RESERVED_EDGE = {
    "graphml": frozenset({"id"}),
    "gexf": frozenset({"id", "type", "start", "end", "spells", "viz", "key"}),
    "json": frozenset({"id", "source", "target", "key"}),
}


_GRAPH_RESERVED = {"gexf": frozenset({"mode", "node_default", "edge_default"})}
#: Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(value: Any) -> Any:
    """Text XML keeps as written: no forbidden characters, and ``\n`` for every line end
    (an XML parser turns ``\r\n`` and ``\r`` into ``\n``)."""
    if not isinstance(value, str):
        return value
    return _NOT_XML.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


def _scalar(value: object) -> bool | int | float | str | None:
    """One attribute value as a scalar the formats hold (``None``: drop it)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        out = float(value)
        return None if math.isnan(out) else out
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return ";".join(sorted(_text(v) for v in value if _scalar(v) is not None))
    if isinstance(value, (list, tuple, np.ndarray)):
        return ";".join(_text(v) for v in value if _scalar(v) is not None)
    if isinstance(value, Mapping):
        return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    return str(value)


def _text(value: object) -> str:
    out = _scalar(value)
    if isinstance(out, bool):
        return "true" if out else "false"
    return "" if out is None else str(out)


def _flat_dicts(dicts: list[dict[Any, Any]], reserved: frozenset[str], *,
                xml: bool = False) -> list[dict[str, Any]]:
    """Flatten attribute dicts and give each key one type across them."""
    flat = []
    for d in dicts:
        row = {}
        for k, v in d.items():
            s = _scalar(v)
            if s is not None:
                key = _xml_safe(str(k)) if xml else str(k)
                row[f"{key}_" if key in reserved else key] = _xml_safe(s) if xml else s
        flat.append(row)
    types: dict[str, set[type]] = {}
    for row in flat:
        for k, v in row.items():
            types.setdefault(k, set()).add(type(v))
    for k, ts in types.items():
        if len(ts) == 1:
            continue
        cast = float if ts <= {int, float} else _text
        for row in flat:
            if k in row:
                row[k] = cast(row[k])
    return flat


def _graph_of(net_or_graph: Any) -> nx.Graph:
    import networkx as nx

    if isinstance(net_or_graph, nx.Graph):
        return net_or_graph
    graph = getattr(net_or_graph, "graph", None)
    if isinstance(graph, nx.Graph):
        return graph
    raise ValidationError(
        f"expected a SupportNetwork or a networkx graph, got {type(net_or_graph).__name__}",
        field="net_or_graph", value=type(net_or_graph).__name__,
    )


def _check_format(format: str) -> str:
    if format not in _RESERVED_NODE:
        raise ValidationError(f"format must be 'graphml', 'gexf' or 'json', got {format!r}",
                              field="format", value=format)
    return format


def flatten_graph(net_or_graph: Any, *, format: GraphFormat = "graphml") -> nx.Graph:
    """A copy of the graph whose attributes the format can hold (see the module notes).

    Parameters
    ----------
    net_or_graph : SupportNetwork or networkx.Graph
    format : {"graphml", "gexf", "json"}, default="graphml"
        Decides which attribute names are reserved.

    Returns
    -------
    networkx.Graph
        Of the same class (directed, multi) as the input. For GraphML and GEXF node ids
        become text, which is all they hold, and parallel edges are numbered 0, 1, … (their
        ids in the file); node-link JSON keeps str, int, float and bool node ids and edge keys
        (others become text).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_node("firm:F1", kind="firm", needs=frozenset({"b", "a"}), founded=None, id="F1")
    >>> dict(flatten_graph(G).nodes["firm:F1"])
    {'kind': 'firm', 'needs': 'a;b', 'id_': 'F1'}
    """
    G = _graph_of(net_or_graph)
    fmt = _check_format(format)
    xml = fmt != "json"
    H = G.__class__()
    H.graph.update(_flat_dicts([dict(G.graph)], _GRAPH_RESERVED.get(fmt, frozenset()),
                               xml=xml)[0])
    if fmt == "gexf" and "name" in H.graph:
        H.graph["name"] = _text(H.graph["name"])
    nodes = list(G.nodes)
    node_attrs = _flat_dicts([dict(G.nodes[n]) for n in nodes], _RESERVED_NODE[fmt], xml=xml)
    if xml:  # the files hold text ids: 1 and "1" become one node
        names = [_xml_safe(str(n)) for n in nodes]
    else:
        names = [n if isinstance(n, (str, int, float, bool)) else str(n) for n in nodes]
    H.add_nodes_from(zip(names, node_attrs))
    rename = dict(zip(nodes, names))
    if G.is_multigraph():
        edges = list(G.edges(keys=True, data=True))
        attrs = _flat_dicts([d for *_, d in edges], _RESERVED_EDGE[fmt], xml=xml)
        if xml:  # parallel edges are numbered 0, 1, ... (their ids in the file)
            H.add_edges_from((rename[u], rename[v], a) for (u, v, _, _), a in zip(edges, attrs))
        else:
            H.add_edges_from((rename[u], rename[v], _json_key(k), a)
                             for (u, v, k, _), a in zip(edges, attrs))
    else:
        edges = list(G.edges(data=True))
        attrs = _flat_dicts([d for *_, d in edges], _RESERVED_EDGE[fmt], xml=xml)
        H.add_edges_from((rename[u], rename[v], a) for (u, v, _), a in zip(edges, attrs))
    return H


def _node_link(H: nx.Graph) -> dict[str, Any]:
    nodes = [{"id": n, **d} for n, d in H.nodes(data=True)]
    if H.is_multigraph():
        edges = [{"source": u, "target": v, "key": _json_key(k), **d}
                 for u, v, k, d in H.edges(keys=True, data=True)]
    else:
        edges = [{"source": u, "target": v, **d} for u, v, d in H.edges(data=True)]
    return {"directed": H.is_directed(), "multigraph": H.is_multigraph(), "graph": H.graph,
            "nodes": nodes, "edges": edges}


def _json_key(key: object) -> object:
    return key if isinstance(key, (str, int, float, bool)) else str(key)


def write_graph(
    net_or_graph: Any,
    path: PathLike,
    *,
    format: GraphFormat | None = None,
) -> Path:
    """Export a support network (or any networkx graph) to GraphML, GEXF or node-link JSON.

    Parameters
    ----------
    net_or_graph : SupportNetwork or networkx.Graph
        A ``SupportNetwork`` is exported through its ``.graph``.
    path : str or path-like
        Replaced atomically.
    format : {"graphml", "gexf", "json"} or None, default=None
        ``None`` takes it from the extension (``.graphml``, ``.gexf``, ``.json``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValidationError
        For an unknown format or something that is not a graph.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import networkx as nx
    >>> import rootmatch as rm
    >>> G = nx.Graph()
    >>> G.add_node("firm:F1", kind="firm", technologies=frozenset({"MOLD", "CASTING"}))
    >>> G.add_node("hub", kind="hub")
    >>> G.add_edge("hub", "firm:F1", relation="enrolled")
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> H = nx.read_graphml(rm.io.write_graph(G, d / "net.graphml"))
    >>> H.nodes["firm:F1"]["technologies"], H.edges["hub", "firm:F1"]["relation"]
    ('CASTING;MOLD', 'enrolled')
    >>> rm.io.read_node_link(rm.io.write_graph(G, d / "net.json")).nodes["hub"]
    {'kind': 'hub'}
    """
    path = Path(path)
    fmt: str | None = format
    if fmt is None:
        fmt = _SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise ValidationError(
                f"cannot tell the graph format of {str(path)!r} from its extension "
                f"{path.suffix!r}: use .graphml, .gexf or .json, or pass format=",
                field="format", value=path.suffix,
            )
    import networkx as nx

    H = flatten_graph(net_or_graph, format=_check_format(fmt))  # type: ignore[arg-type]
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(H, buf, encoding="utf-8")
        data = buf.getvalue()
    elif fmt == "gexf":
        nx.write_gexf(H, buf, encoding="utf-8")
        data = buf.getvalue()
    else:
        data = (json.dumps(_node_link(H), ensure_ascii=False) + "\n").encode("utf-8")
    return atomic_write(path, data)


def _read_graph_file(file: str) -> bytes:
    """The bytes of a graph file: a regular file within :data:`MAX_GRAPH_BYTES`."""
    return read_regular(file, MAX_GRAPH_BYTES, what="graph file",
                        error=lambda msg: _fail(file, None, None, msg.removeprefix(f"{file}: ")))


def _not_json(name: str) -> None:
    """``NaN`` and ``Infinity`` are not JSON (Python's parser takes them unless told)."""
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    """A JSON number, refused when it overflows a float (``1e400`` would read as ``inf``)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is not a finite number")
    return value


def _fail(file: str, field: str | None, value: object, message: str) -> DataError:
    return _data_error([Problem(file=file, row=None, field=field, value=value,
                                message=message)])


def read_node_link(path: PathLike) -> nx.Graph:
    """Read node-link JSON written by :func:`write_graph`.

    Returns
    -------
    networkx.Graph
        ``Graph``, ``DiGraph``, ``MultiGraph`` or ``MultiDiGraph`` as the file says; equal
        (nodes, edges, attributes, order) to ``flatten_graph(G, format="json")`` of the graph
        written.

    Raises
    ------
    DataError
        If the file is not node-link JSON (naming the entry at fault).

    Examples
    --------
    See :func:`write_graph`.
    """
    import networkx as nx

    file = str(path)
    try:
        data = json.loads(_read_graph_file(file).decode("utf-8-sig"), parse_constant=_not_json,
                          parse_float=_finite_float)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        raise _fail(file, None, None, f"not JSON: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) \
            or not isinstance(data.get("edges", []), list):
        raise _fail(file, "nodes", None, "expected an object with lists 'nodes' and 'edges'")
    directed, multi = data.get("directed", False), data.get("multigraph", False)
    if not isinstance(directed, bool) or not isinstance(multi, bool):
        raise _fail(file, "directed", None, "'directed' and 'multigraph' must be booleans")
    G = {(False, False): nx.Graph, (True, False): nx.DiGraph, (False, True): nx.MultiGraph,
         (True, True): nx.MultiDiGraph}[(directed, multi)]()
    graph_attrs = data.get("graph", {})
    if not isinstance(graph_attrs, dict):
        raise _fail(file, "graph", graph_attrs, "expected an object")
    G.graph.update(graph_attrs)
    hashable = (str, int, float, bool)
    for i, node in enumerate(data["nodes"]):
        if not isinstance(node, dict) or not isinstance(node.get("id"), hashable):
            raise _fail(file, f"nodes[{i}]", node, "expected an object with a scalar 'id'")
        if node["id"] in G:
            raise _fail(file, f"nodes[{i}].id", node["id"], "duplicate node id")
        G.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for i, edge in enumerate(data.get("edges", [])):
        ok = isinstance(edge, dict) and all(
            isinstance(edge.get(k), hashable) and edge.get(k) in G for k in ("source", "target"))
        if not ok:
            raise _fail(file, f"edges[{i}]", edge,
                        "expected an object whose 'source' and 'target' are node ids")
        attrs = {k: v for k, v in edge.items() if k not in ("source", "target", "key")}
        if multi:
            key = edge.get("key")
            if not isinstance(key, hashable):
                raise _fail(file, f"edges[{i}].key", key, "expected a scalar key")
            G.add_edge(edge["source"], edge["target"], key=key, **attrs)
        else:
            G.add_edge(edge["source"], edge["target"], **attrs)
    return G


class _RefusedError(Exception):
    pass


def _refuse(*_args: object) -> None:
    raise _RefusedError


def read_graphml(path: PathLike) -> nx.Graph:
    """Read GraphML safely: a document with a DOCTYPE (and so any entity declaration) is
    refused before networkx parses it, so no entity can be expanded.

    Returns
    -------
    networkx.Graph
        As :func:`networkx.read_graphml` gives it.

    Raises
    ------
    DataError
        For a DOCTYPE or entity declaration, malformed XML or a document that is not GraphML.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> bomb = pathlib.Path(tempfile.mkdtemp()) / "bomb.graphml"
    >>> _ = bomb.write_text('<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaa">]>'
    ...                     '<graphml><graph edgedefault="undirected">'
    ...                     '<node id="&a;"/></graph></graphml>')
    >>> rm.io.read_graphml(bomb)
    Traceback (most recent call last):
    ...
    rootmatch.exceptions.DataError: ...bomb.graphml: ...refused: a DOCTYPE ...
    """
    import networkx as nx

    file = str(path)
    data = _read_graph_file(file)
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse  # type: ignore[assignment]
    try:
        parser.Parse(data, True)
    except _RefusedError:
        raise _fail(file, None, None, "refused: a DOCTYPE or entity declaration (GraphML "
                    "needs neither; entities could expand without bound)") from None
    except expat.ExpatError as err:
        raise _fail(file, None, None, f"not well-formed XML: {err}") from None
    try:
        return nx.read_graphml(io.BytesIO(data))
    except (nx.NetworkXError, ValueError, KeyError, TypeError) as err:
        raise _fail(file, None, None, f"not GraphML networkx can read: {err}") from None
