"""Graph export: GraphML, GEXF and node-link JSON; flattening; the guarded GraphML reader."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import linked_populations

import rootmatch as rm


def _network(pop: rm.Population, **kw):
    pytest.importorskip("rootmatch.graph.network")
    return rm.SupportNetwork.from_population(pop, **kw)


@pytest.fixture(scope="module")
def network(catalog: rm.Catalog):
    synth = pytest.importorskip("rootmatch.synth")
    if not hasattr(synth, "generate_population"):
        pytest.skip("rootmatch.synth.generate_population is not written yet")
    pop = synth.generate_population(150, seed=3, catalog=catalog)
    return _network(pop, hub=True, enrolment=0.5, seed=1)


def _attrs(G: nx.Graph) -> tuple[dict, dict]:
    nodes = {str(n): dict(d) for n, d in G.nodes(data=True)}
    edges = {frozenset((str(u), str(v))): dict(d) for u, v, d in G.edges(data=True)}
    return nodes, edges


def test_graphml_of_a_support_network_loads_back_with_networkx(network, tmp_path: Path) -> None:
    path = rm.io.write_graph(network, tmp_path / "net.graphml")
    H = nx.read_graphml(path)
    assert _attrs(H) == _attrs(rm.io.flatten_graph(network))
    assert H.number_of_nodes() == network.graph.number_of_nodes()
    assert H.number_of_edges() == network.graph.number_of_edges()
    kinds = {d["kind"] for _, d in H.nodes(data=True)}
    assert kinds == {"hub", "firm", "institute", "program"}
    assert {d["relation"] for *_, d in H.edges(data=True)} >= {"enrolled", "operates"}
    firm = next(n for n, d in H.nodes(data=True) if d["kind"] == "firm")
    assert isinstance(H.nodes[firm]["employees"], int)
    assert isinstance(H.nodes[firm]["small"], bool)
    assert H.nodes[firm]["id_"] == firm.removeprefix("firm:")
    assert rm.io.read_graphml(path).number_of_edges() == H.number_of_edges()


def test_graphml_loads_with_igraph(network, tmp_path: Path) -> None:
    igraph = pytest.importorskip("igraph")
    path = rm.io.write_graph(network, tmp_path / "net.graphml")
    g = igraph.Graph.Read_GraphML(str(path))
    assert g.vcount() == network.graph.number_of_nodes()
    assert g.ecount() == network.graph.number_of_edges()
    assert sorted(g.vs["id"]) == sorted(network.graph.nodes)
    assert set(g.vs["kind"]) == {"hub", "firm", "institute", "program"}
    hub = g.vs.find(id="hub")
    assert g.degree(hub.index) == network.graph.degree("hub")


def test_gexf_of_a_support_network_loads_back(network, tmp_path: Path) -> None:
    path = rm.io.write_graph(network, tmp_path / "net.gexf")
    H = nx.read_gexf(path)
    assert H.number_of_nodes() == network.graph.number_of_nodes()
    assert H.number_of_edges() == network.graph.number_of_edges()
    assert H.graph["mode"] == "static"  # program start/end did not become time spans
    prog = next(n for n, d in H.nodes(data=True) if d["kind"] == "program")
    assert H.nodes[prog]["start_"] == network.graph.nodes[prog]["start"]
    assert H.nodes[prog]["id_"] == network.graph.nodes[prog]["id"]


def test_node_link_json_of_a_support_network_round_trips(network, tmp_path: Path) -> None:
    G = rm.io.read_node_link(rm.io.write_graph(network, tmp_path / "net.json"))
    F = rm.io.flatten_graph(network, format="json")
    assert list(G.nodes(data=True)) == list(F.nodes(data=True))
    assert list(G.edges(data=True)) == list(F.edges(data=True))


@settings(max_examples=10)
@given(linked_populations(min_firms=1, max_firms=8), st.booleans())
def test_small_networks_export_in_every_format(pop: rm.Population, hub: bool) -> None:
    net = _network(pop, hub=hub)
    with tempfile.TemporaryDirectory() as d:
        for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf),
                          ("json", rm.io.read_node_link)):
            H = read(rm.io.write_graph(net, Path(d) / f"n.{fmt}"))
            assert sorted(map(str, H.nodes)) == sorted(net.graph.nodes)
            assert H.number_of_edges() == net.graph.number_of_edges()


# --- flattening ------------------------------------------------------------------------------
def test_flattening_rules() -> None:
    G = nx.Graph(name="g", tags={"b", "a"}, nothing=None)
    G.add_node("a", s={"y", "x"}, l=[3, None, 1], t=("p",), none=None, nan=float("nan"),
               i=np.int64(4), f=np.float32(0.5), b=np.bool_(True), e=rm.District.SASANG,
               d=dt.date(2024, 6, 1), m={"k": 1}, mixed=1, num=1, id="A")
    G.add_node("b", mixed="x", num=2.5, techs=frozenset({rm.RootTechnology.MOLD,
                                                         rm.RootTechnology.CASTING}))
    G.add_edge("a", "b", relation="collaborates", weight=np.float64(2.0), source="s")
    F = rm.io.flatten_graph(G, format="json")
    assert F.graph == {"name": "g", "tags": "a;b"}
    assert F.nodes["a"] == {"s": "x;y", "l": "3;1", "t": "p", "i": 4, "f": 0.5, "b": True,
                            "e": "SASANG", "d": "2024-06-01", "m": '{"k": 1}', "mixed": "1",
                            "num": 1.0, "id_": "A"}
    assert F.nodes["b"] == {"mixed": "x", "num": 2.5, "techs": "CASTING;MOLD"}
    assert F.edges["a", "b"] == {"relation": "collaborates", "weight": 2.0, "source_": "s"}
    for value in [*F.nodes["a"].values(), *F.edges["a", "b"].values()]:
        assert type(value) in (str, int, float, bool)
    assert "source" in rm.io.flatten_graph(G, format="graphml").edges["a", "b"]
    assert G.nodes["a"]["s"] == {"x", "y"}  # the input is not touched


scalars = (st.none() | st.booleans() | st.integers(-(2**40), 2**40)
           | st.floats(allow_nan=True, allow_infinity=False) | st.text(max_size=6))
values = scalars | st.frozensets(st.text(max_size=4), max_size=3) | st.lists(scalars,
                                                                               max_size=3)
attr_dicts = st.dictionaries(st.sampled_from(["kind", "w", "x", "id", "source", "key",
                                              "label", "start"]), values, max_size=4)
edge_dicts = st.dictionaries(st.sampled_from(["kind", "w", "id", "source", "target",
                                              "label", "start"]), values, max_size=4)


@st.composite
def attributed_graphs(draw: st.DrawFn) -> nx.Graph:
    cls = draw(st.sampled_from([nx.Graph, nx.DiGraph, nx.MultiGraph, nx.MultiDiGraph]))
    G = cls(**draw(st.dictionaries(st.sampled_from(["name", "note"]), scalars, max_size=2)))
    names = draw(st.lists(st.text(min_size=1, max_size=5) | st.integers(0, 50), unique=True,
                          max_size=8))
    for n in names:
        G.add_node(n, **draw(attr_dicts))
    if names:
        for _ in range(draw(st.integers(0, 12))):
            u, v = draw(st.sampled_from(names)), draw(st.sampled_from(names))
            if G.is_multigraph():
                G.add_edge(u, v, key=draw(st.none() | st.integers(0, 3) | st.text(max_size=3)),
                           **draw(edge_dicts))
            else:
                G.add_edge(u, v, **draw(edge_dicts))
    return G


def _same(A: nx.Graph, B: nx.Graph) -> None:
    assert type(A) is type(B)
    assert A.graph == B.graph
    assert list(A.nodes(data=True)) == list(B.nodes(data=True))
    if A.is_multigraph():
        assert list(A.edges(keys=True, data=True)) == list(B.edges(keys=True, data=True))
    else:
        assert list(A.edges(data=True)) == list(B.edges(data=True))


@settings(max_examples=60)
@given(attributed_graphs())
def test_node_link_json_round_trips_any_graph(G: nx.Graph) -> None:
    with tempfile.TemporaryDirectory() as d:
        back = rm.io.read_node_link(rm.io.write_graph(G, Path(d) / "g.json"))
    _same(back, rm.io.flatten_graph(G, format="json"))


@settings(max_examples=30)
@given(attributed_graphs())
def test_graphml_and_gexf_of_any_graph_load_back(G: nx.Graph) -> None:
    with tempfile.TemporaryDirectory() as d:
        H = nx.read_graphml(rm.io.write_graph(G, Path(d) / "g.graphml"))
        F = rm.io.flatten_graph(G, format="graphml")
        assert sorted(H.nodes) == sorted(F.nodes)
        assert H.number_of_edges() == F.number_of_edges()
        for n, d_ in F.nodes(data=True):
            got = H.nodes[n]
            for k, v in d_.items():
                if isinstance(v, float):
                    assert got[k] == pytest.approx(v) or (np.isinf(v) and got[k] == v)
                else:
                    assert got[k] == v
        X = nx.read_gexf(rm.io.write_graph(G, Path(d) / "g.gexf"))
        assert X.number_of_nodes() == F.number_of_nodes()
        assert X.number_of_edges() == F.number_of_edges()


def test_write_graph_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(rm.ValidationError, match="extension"):
        rm.io.write_graph(nx.Graph(), tmp_path / "g.txt")
    with pytest.raises(rm.ValidationError, match="format"):
        rm.io.write_graph(nx.Graph(), tmp_path / "g.txt", format="dot")  # type: ignore[arg-type]
    with pytest.raises(rm.ValidationError, match="networkx graph"):
        rm.io.write_graph({"a": 1}, tmp_path / "g.json")
    assert rm.io.write_graph(nx.Graph(), tmp_path / "g.txt", format="json").exists()


# --- reading safely --------------------------------------------------------------------------
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
 <graph edgedefault="undirected"><node id="&lol9;"/></graph>
</graphml>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE g [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
 <graph edgedefault="undirected"><node id="&secret;"/></graph>
</graphml>
"""
DOCTYPE_ONLY = """<?xml version="1.0"?>
<!DOCTYPE graphml SYSTEM "http://example.invalid/graphml.dtd">
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected"/>
</graphml>
"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL, DOCTYPE_ONLY])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_read_graphml_refuses_doctype_and_entities(tmp_path: Path, doc: str,
                                                   encoding: str) -> None:
    path = tmp_path / "evil.graphml"
    text = doc if encoding == "utf-8" else doc.replace('version="1.0"?>',
                                                       'version="1.0" encoding="UTF-16"?>')
    path.write_bytes(text.encode(encoding))  # UTF-16: no byte pattern to grep for
    with pytest.raises(rm.DataError, match="refused: a DOCTYPE") as info:
        rm.io.read_graphml(path)
    assert info.value.problems[0].file == str(path)


@pytest.mark.parametrize(("text", "match"), [
    ("<graphml><graph", "not well-formed"),
    ("<foo/>", "GraphML"),
    (("<graphml xmlns='http://graphml.graphdrawing.org/xmlns'><graph edgedefault='undirected'>"
     "<node id='a'><data key='zz'>1</data></node></graph></graphml>"), "no key zz"),
    ("\x00\x01", "not well-formed"),
])
def test_read_graphml_reports_broken_files(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.graphml"
    path.write_text(text)
    with pytest.raises(rm.DataError, match=match):
        rm.io.read_graphml(path)


@pytest.mark.parametrize(("doc", "field"), [
    ("not json", None),
    ('{"nodes": 3}', "nodes"),
    ('{"nodes": [], "directed": "yes"}', "directed"),
    ('{"nodes": [{"name": 1}]}', "nodes[0]"),
    ('{"nodes": [{"id": [1]}]}', "nodes[0]"),
    ('{"nodes": [{"id": 1}, {"id": 1}]}', "nodes[1].id"),
    ('{"nodes": [{"id": 1}], "edges": [{"source": 1, "target": 2}]}', "edges[0]"),
    ('{"nodes": [{"id": 1}], "multigraph": true, "edges": [{"source": 1, "target": 1}]}',
     "edges[0].key"),
    ('{"nodes": [], "graph": []}', "graph"),
])
def test_read_node_link_reports_malformed_files(tmp_path: Path, doc: str, field) -> None:
    path = tmp_path / "bad.json"
    path.write_text(doc)
    with pytest.raises(rm.DataError) as info:
        rm.io.read_node_link(path)
    assert info.value.problems[0].field == field
    assert str(path) in str(info.value)


@settings(max_examples=40)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["nodes", "edges", "id", "source",
                                                       "target", "key", "directed",
                                                       "multigraph", "graph"]), inner,
                                      max_size=4), max_leaves=12))
def test_fuzz_read_node_link_only_raises_data_error(doc) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "g.json"
        path.write_text(json.dumps(doc))
        with pytest.raises(rm.DataError) if not _valid_node_link(doc) else _nothing():
            rm.io.read_node_link(path)


class _nothing:  # noqa: N801 - a null context manager
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _valid_node_link(doc: object) -> bool:
    """The reference answer: is ``doc`` node-link JSON the reader must accept?"""
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
        return False
    edges = doc.get("edges", [])
    multi = doc.get("multigraph", False)
    if not isinstance(edges, list) or not isinstance(doc.get("graph", {}), dict):
        return False
    if not isinstance(doc.get("directed", False), bool) or not isinstance(multi, bool):
        return False
    ids = []
    for node in doc["nodes"]:
        if not isinstance(node, dict) or not isinstance(node.get("id"), (str, int, bool)):
            return False
        ids.append(node["id"])
    keys = {json.dumps(i) for i in ids}
    if len(keys) != len(ids) or len(set(ids)) != len(ids):
        return False
    for e in edges:
        if not isinstance(e, dict) or any(
                not isinstance(e.get(k), (str, int, bool)) or e.get(k) not in ids
                for k in ("source", "target")):
            return False
        if multi and not isinstance(e.get("key"), (str, int, bool)):
            return False
    return True
