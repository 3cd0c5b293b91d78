"""Hypothesis strategies shared by the resolver's property tests.

Strategies draw plain descriptions (keys, values, graphs) rather than special
fields, so that a failing example prints readably; the tests turn them into
factories.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

#: Schema keys: plain identifiers with no double underscore, so none is a dunder override.
keys = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)

#: Leaf values a schema or an override may hold: never a special field, never OMIT.
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.binary(max_size=4)
)

#: Plain values, containers included (they are copied per object, so compare equal).
plain_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)

#: A dict of plain values, as a schema, a trait or the caller's overrides give.
plain_dicts = st.dictionaries(keys, plain_values, max_size=8)


@dataclass(frozen=True)
class SchemaSpec:
    """A schema of plain values and lazy fields that copy one of those plain values.

    Attributes:
        plain: The plain keys and their values.
        copies: Lazy keys, each mapped to the plain key whose value it returns.
    """

    plain: dict[str, Any]
    copies: dict[str, str]


@st.composite
def schema_specs(draw: st.DrawFn) -> SchemaSpec:
    """A schema with plain keys and lazy fields that read them."""
    plain = draw(st.dictionaries(keys, plain_values, min_size=1, max_size=8))
    copy_keys = draw(st.lists(keys.filter(lambda k: k not in plain), unique=True, max_size=4))
    sources = sorted(plain)
    copies = {k: draw(st.sampled_from(sources)) for k in copy_keys}
    return SchemaSpec(plain, copies)


@dataclass(frozen=True)
class LazyGraph:
    """An acyclic graph of fields: node ``i`` reads the nodes in ``deps[i]`` (all ``< i``).

    A node's value is its constant plus the values of the nodes it reads. A node
    with ``lazy[i]`` false and no dependencies is a plain value.

    Attributes:
        deps: For each node, the nodes it reads.
        consts: For each node, its own constant.
        lazy: For each node, whether it is a lazy field.
        order: The order in which the schema declares the nodes.
    """

    deps: tuple[tuple[int, ...], ...]
    consts: tuple[int, ...]
    lazy: tuple[bool, ...]
    order: tuple[int, ...]

    @staticmethod
    def name(i: int) -> str:
        return f"k{i}"

    def expected(self) -> dict[str, int]:
        """The value every node resolves to."""
        values: list[int] = []
        for i, deps in enumerate(self.deps):
            values.append(self.consts[i] + sum(values[j] for j in deps))
        return {self.name(i): v for i, v in enumerate(values)}


@st.composite
def lazy_dags(draw: st.DrawFn, max_nodes: int = 9) -> LazyGraph:
    """A random acyclic graph of lazy fields, declared in a random order."""
    n = draw(st.integers(1, max_nodes))
    deps = tuple(
        tuple(draw(st.lists(st.integers(0, i - 1), unique=True, max_size=i))) if i else ()
        for i in range(n)
    )
    consts = tuple(draw(st.lists(st.integers(-1000, 1000), min_size=n, max_size=n)))
    lazy = tuple(bool(d) or draw(st.booleans()) for d in deps)
    order = tuple(draw(st.permutations(range(n))))
    return LazyGraph(deps, consts, lazy, order)


@dataclass(frozen=True)
class CyclicGraph:
    """A graph of lazy fields with at least one cycle.

    Attributes:
        edges: For each node, the nodes it reads, in reading order.
        planted: The cycle that was planted in the graph (others may exist).
        order: The order in which the schema declares the nodes.
    """

    edges: tuple[tuple[int, ...], ...]
    planted: tuple[int, ...]
    order: tuple[int, ...]

    @staticmethod
    def name(i: int) -> str:
        return f"k{i}"

    def has_edge(self, a: str, b: str) -> bool:
        """Whether the field named ``a`` reads the field named ``b``."""
        return int(b[1:]) in self.edges[int(a[1:])]


@st.composite
def cyclic_graphs(draw: st.DrawFn, max_nodes: int = 7) -> CyclicGraph:
    """A random graph of lazy fields into which a cycle has been planted."""
    n = draw(st.integers(1, max_nodes))
    edges = [
        draw(st.lists(st.integers(0, n - 1), unique=True, max_size=min(n, 3))) for _ in range(n)
    ]
    planted = draw(st.lists(st.integers(0, n - 1), unique=True, min_size=1, max_size=n))
    for a, b in zip(planted, planted[1:] + planted[:1], strict=True):
        if b not in edges[a]:
            position = draw(st.integers(0, len(edges[a])))
            edges[a].insert(position, b)
    order = tuple(draw(st.permutations(range(n))))
    return CyclicGraph(tuple(tuple(e) for e in edges), tuple(planted), order)


#: Seeds for Faker and the random stream.
seeds = st.integers(min_value=0, max_value=2**32 - 1)
