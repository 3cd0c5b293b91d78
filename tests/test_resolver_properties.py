"""Properties of the resolver, checked with hypothesis over dynamically made factories
(STYLE.md: overrides always win; a child schema holds the parent's keys plus its own;
declaration order never changes the result; acyclic lazy graphs resolve, cycles raise
with their path; one seed, one output)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyfactory import (
    CyclicDependencyError,
    Factory,
    association,
    fake,
    lazy,
    many,
    randomly_nullify,
    randomly_unset,
    schema,
    sequence,
)
from pyfactory.builders import DictBuilder
from tests.strategies import (
    CyclicGraph,
    LazyGraph,
    SchemaSpec,
    cyclic_graphs,
    keys,
    lazy_dags,
    plain_dicts,
    schema_specs,
    seeds,
)


def dict_factory(name: str, schemas: dict[str, Any]) -> type[Factory[dict[str, Any]]]:
    """A factory class of dicts whose schema ``n`` returns ``schemas[n]()``."""
    namespace: dict[str, Any] = {"_model": dict, "_model_builder": DictBuilder()}
    for schema_name, make in schemas.items():

        def method(self: Any, make: Any = make) -> dict[str, Any]:
            return make()  # type: ignore[no-any-return]

        method.__name__ = schema_name
        namespace[schema_name] = schema()(method)
    return type(name, (Factory,), namespace)


def spec_fields(spec: SchemaSpec) -> dict[str, Any]:
    """The raw schema dict a SchemaSpec describes."""
    fields: dict[str, Any] = dict(spec.plain)
    for key, source in spec.copies.items():
        fields[key] = lazy(lambda a, source=source: a[source])
    return fields


class TestOverridesWin:
    @given(spec=schema_specs(), overrides=plain_dicts)
    def test_plain_overrides_always_win(self, spec: SchemaSpec, overrides: dict[str, Any]) -> None:
        """Every override is in the result as given; every other plain key keeps the
        schema's value; lazy fields not overridden read the overridden values."""
        factory = dict_factory("OverrideFactory", {"basic": lambda: spec_fields(spec)})
        for method in ("attributes", "build"):
            result = getattr(factory(), method)("basic", **overrides)
            assert set(result) == set(spec.plain) | set(spec.copies) | set(overrides)
            for key, value in overrides.items():
                assert result[key] == value
            for key, value in spec.plain.items():
                if key not in overrides:
                    assert result[key] == value
            for key, source in spec.copies.items():
                if key not in overrides:
                    assert result[key] == overrides.get(source, spec.plain[source])

    @given(graph=lazy_dags(), overrides=st.dictionaries(st.integers(0, 8), st.integers()))
    def test_overriding_a_lazy_node_feeds_its_readers(
        self, graph: LazyGraph, overrides: dict[int, int]
    ) -> None:
        """An override of any node of a lazy graph wins, and the nodes that read it see it."""
        overrides = {i: v for i, v in overrides.items() if i < len(graph.deps)}
        factory = dict_factory("GraphFactory", {"basic": lambda: dag_fields(graph)})
        result = factory().attributes(
            "basic", **{LazyGraph.name(i): v for i, v in overrides.items()}
        )
        values: list[int] = []
        for i, deps in enumerate(graph.deps):
            own = graph.consts[i] + sum(values[j] for j in deps)
            values.append(overrides.get(i, own))
        assert result == {LazyGraph.name(i): v for i, v in enumerate(values)}


class TestSchemaInheritance:
    @given(parent=plain_dicts, own=plain_dicts, data=st.data())
    def test_child_schema_via_self_schema(
        self, parent: dict[str, Any], own: dict[str, Any], data: st.DataObject
    ) -> None:
        """A schema built on self.schema(parent) holds the parent's keys plus its own, its
        own values winning, and the parent's schema is left unchanged."""
        mirror = data.draw(st.sampled_from(sorted(parent))) if parent else None

        def parent_schema() -> dict[str, Any]:
            fields = dict(parent)
            if mirror is not None:
                fields["Mirror"] = lazy(lambda a: a[mirror])
            return fields

        class F(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()

            @schema()
            def base(self) -> dict[str, Any]:
                return parent_schema()

            @schema()
            def extended(self) -> dict[str, Any]:
                fields = self.schema("base")
                fields.update(own)
                return fields

        f = F()
        merged = {**parent, **own}
        expected = dict(merged)
        if mirror is not None:
            expected["Mirror"] = merged[mirror]
        assert f.attributes("extended") == expected
        parent_expected = dict(parent)
        if mirror is not None:
            parent_expected["Mirror"] = parent[mirror]
        assert f.attributes("base") == parent_expected
        assert f.attributes("extended") == expected

    @given(parent=plain_dicts, own=plain_dicts)
    def test_subclass_schema_via_super(self, parent: dict[str, Any], own: dict[str, Any]) -> None:
        """A subclass's schema built on super().schema(name) holds the parent's keys plus
        its own, and the parent factory still gives its own."""

        class Parent(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return dict(parent)

        class Child(Parent):
            @schema()
            def basic(self) -> dict[str, Any]:
                fields = super().schema("basic")
                fields.update(own)
                return fields

        class GrandChild(Child):
            @schema()
            def basic(self) -> dict[str, Any]:
                fields = super().attributes("basic")
                fields["Extra"] = lazy(sorted)
                return fields

        merged = {**parent, **own}
        assert Child().attributes("basic") == merged
        assert Parent().attributes("basic") == parent
        assert GrandChild().attributes("basic") == {**merged, "Extra": sorted([*merged, "Extra"])}


def dag_fields(graph: LazyGraph, order: tuple[int, ...] | None = None) -> dict[str, Any]:
    """The raw schema dict of a lazy graph, declared in ``order`` (the graph's by default)."""
    fields: dict[str, Any] = {}
    for i in graph.order if order is None else order:
        deps = graph.deps[i]
        const = graph.consts[i]
        if graph.lazy[i]:
            fields[LazyGraph.name(i)] = lazy(
                lambda a, deps=deps, const=const: const + sum(a[LazyGraph.name(j)] for j in deps)
            )
        else:
            fields[LazyGraph.name(i)] = const
    return fields


class TestDeclarationOrder:
    @given(graph=lazy_dags(), sequences=st.integers(0, 3), data=st.data())
    def test_order_never_changes_the_values(
        self, graph: LazyGraph, sequences: int, data: st.DataObject
    ) -> None:
        """Constants, lazy fields and sequences (with separate keys) give the same objects
        whatever order the schema declares them in."""

        def fields(order: list[str]) -> dict[str, Any]:
            every = dag_fields(graph)
            for s in range(sequences):
                every[f"s{s}"] = sequence(lambda n, s=s: n * 10 + s, key=f"seq{s}")
            every["total"] = lazy(
                lambda a: sum(a[f"s{s}"] for s in range(sequences)) + a[LazyGraph.name(0)]
            )
            return {key: every[key] for key in order}

        names = [*dag_fields(graph), *(f"s{s}" for s in range(sequences)), "total"]
        first_order = data.draw(st.permutations(names))
        second_order = data.draw(st.permutations(names))
        results = []
        for order in (first_order, second_order):
            factory = dict_factory("OrderFactory", {"basic": lambda order=order: fields(order)})
            factory.reset_sequences()
            results.append(factory().build_batch("basic", 3))
        assert results[0] == results[1]
        expected = graph.expected()
        for index, row in enumerate(results[0], start=1):
            for s in range(sequences):
                assert row[f"s{s}"] == index * 10 + s
            assert {k: row[k] for k in expected} == expected


class TestLazyGraphs:
    @given(graph=lazy_dags())
    def test_acyclic_graphs_resolve(self, graph: LazyGraph) -> None:
        """Any acyclic graph of lazy fields resolves to the values it defines."""
        factory = dict_factory("DagFactory", {"basic": lambda: dag_fields(graph)})
        assert factory().attributes("basic") == graph.expected()
        assert factory().build("basic") == graph.expected()

    @given(graph=cyclic_graphs())
    def test_cycles_raise_with_their_path(self, graph: CyclicGraph) -> None:
        """Any graph with a cycle raises CyclicDependencyError whose cycle starts and ends
        with one key and follows the graph's edges."""

        def fields() -> dict[str, Any]:
            made: dict[str, Any] = {}
            for i in graph.order:
                reads = [CyclicGraph.name(j) for j in graph.edges[i]]
                made[CyclicGraph.name(i)] = lazy(lambda a, reads=reads: sum(a[k] for k in reads))
            return made

        factory = dict_factory("CycleFactory", {"basic": fields})
        with pytest.raises(CyclicDependencyError, match="lazy fields form a cycle: ") as info:
            factory().build("basic")
        cycle = info.value.cycle
        assert len(cycle) >= 2
        assert cycle[0] == cycle[-1]
        assert len(set(cycle[:-1])) == len(cycle) - 1
        for a, b in itertools.pairwise(cycle):
            assert graph.has_edge(a, b), f"{a} does not read {b}"
        assert " → ".join(cycle) in str(info.value)
        assert str(info.value).startswith("CycleFactory.basic")


class TestSeeds:
    @settings(max_examples=25, deadline=None)
    @given(seed=seeds, count=st.integers(1, 4), method=st.sampled_from(["attributes", "build"]))
    def test_one_seed_one_output(self, seed: int, count: int, method: str) -> None:
        """Two factories made with one seed give identical objects, children included."""

        class Pet(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()
            _default_schema = "basic"

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "word": fake("word"),
                    "n": fake("pyint", max_value=10**6),
                    "color": randomly_unset(fake("color_name"), 0.5),
                }

        class Owner(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "name": fake("name"),
                    "email": fake("email"),
                    "pets": many(Pet, "basic", count=(0, 3)),
                    "favourite": association(Pet),
                    "nick": randomly_nullify(fake("first_name"), 0.5),
                    "score": randomly_unset(fake("pyfloat"), 0.3),
                }

        def make() -> list[dict[str, Any]]:
            owner = Owner(seed=seed)
            if method == "attributes":
                return [owner.attributes("basic") for _ in range(count)]
            return owner.build_batch("basic", count)

        first, second = make(), make()
        assert first == second
        assert all(set(row) >= {"name", "email", "pets", "favourite", "nick"} for row in first)

    @settings(max_examples=25, deadline=None)
    @given(seed=seeds, key=keys)
    def test_seed_does_not_depend_on_other_factories(self, seed: int, key: str) -> None:
        """A seeded factory gives the same values whether or not other factories ran first."""

        class F(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {key: fake("pystr"), "n": fake("pyint")}

        alone = F(seed=seed).build("basic")
        F().build_batch("basic", 3)
        F(seed=seed + 1).build("basic")
        assert F(seed=seed).build("basic") == alone
