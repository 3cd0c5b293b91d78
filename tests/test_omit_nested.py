"""``OMIT`` inside a list, tuple or dict value removes that item or key, at any depth,
in every scope and batch, whether it comes from a schema, a trait, an override or a
field's value (DESIGN §3)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, Table, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from pyfactory import (
    OMIT,
    Factory,
    association,
    lazy,
    randomly_unset,
    schema,
    sequence,
    trait,
    transient,
)
from pyfactory.builders import DictBuilder, ObjectBuilder
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from tests.models.sqlalchemy import Base


@dataclasses.dataclass
class Box:
    """An object that is not a plain container: OMIT inside it is left alone."""

    items: list[Any]


@dataclasses.dataclass
class Article:
    title: str
    tags: Any = None
    meta: Any = None
    point: Any = None
    author: Any = None


class ArticleFactory(Factory[Article]):
    _model = Article
    _model_builder = ObjectBuilder()
    _default_schema = "plain"

    @schema()
    def plain(self) -> dict[str, Any]:
        return {
            "title": "Hello",
            "tags": ["news", OMIT, "tech", [OMIT, "deep", (OMIT, "deeper")]],
            "meta": {"lang": "en", "draft": OMIT, "nested": {"x": OMIT, "y": [OMIT]}},
            "point": (1, OMIT, 2),
        }

    @schema()
    def special(self) -> dict[str, Any]:
        # Special fields inside containers may themselves resolve to OMIT.
        return {
            "title": sequence("Title {n}"),
            "tags": ["first", randomly_unset("maybe", p=1.0), lazy(lambda a: OMIT)],
            "meta": {"slug": lazy(lambda a: a["title"].lower()), "gone": randomly_unset(1, 1.0)},
        }

    @schema()
    def computed(self) -> dict[str, Any]:
        # A lazy field's own value is a container that holds OMIT.
        return {
            "title": "x",
            "tags": lazy(lambda a: ["a", OMIT, {"k": OMIT, "v": 1}]),
            "meta": transient({"hidden": OMIT, "shown": 1}),
            "point": lazy(lambda a: a["meta"]),
        }

    @trait()
    def tagged(self) -> dict[str, Any]:
        return {"tags": [OMIT, "from-trait"]}


NESTED_PLAIN = {
    "title": "Hello",
    "tags": ["news", "tech", ["deep", ("deeper",)]],
    "meta": {"lang": "en", "nested": {"y": []}},
    "point": (1, 2),
}


def _plain(article: Article | dict[str, Any]) -> dict[str, Any]:
    if isinstance(article, dict):
        return article
    return {k: v for k, v in dataclasses.asdict(article).items() if k != "author"}


class TestOmitInsideSchemaValues:
    def test_attributes_drop_omitted_items_and_keys_at_any_depth(self) -> None:
        assert ArticleFactory().attributes("plain") == NESTED_PLAIN

    @pytest.mark.parametrize("method", ["build", "create"])
    def test_built_and_created_objects_never_see_omit(self, method: str) -> None:
        article = getattr(ArticleFactory(), method)("plain")
        assert _plain(article) == NESTED_PLAIN

    @pytest.mark.parametrize("method", ["attributes_batch", "build_batch", "create_batch"])
    def test_every_object_of_a_batch_drops_them(self, method: str) -> None:
        made = getattr(ArticleFactory(), method)("plain", 3)
        assert [_plain(m) for m in made] == [NESTED_PLAIN] * 3

    def test_objects_do_not_share_the_cleaned_lists(self) -> None:
        first, second = ArticleFactory().build_batch("plain", 2)
        first.tags.append("mine")
        assert second.tags == ["news", "tech", ["deep", ("deeper",)]]

    def test_special_fields_inside_a_list_that_give_omit_leave_no_item(self) -> None:
        article = ArticleFactory().build("special")
        assert article.tags == ["first"]
        assert article.meta == {"slug": article.title.lower()}

    def test_a_lazy_fields_own_container_loses_its_omit_items(self) -> None:
        attrs = ArticleFactory().attributes("computed")
        assert attrs == {"title": "x", "tags": ["a", {"v": 1}], "point": {"shown": 1}}

    def test_a_traits_list_drops_omit(self) -> None:
        assert ArticleFactory().build("plain", "tagged").tags == ["from-trait"]

    def test_omit_inside_another_object_is_kept(self) -> None:
        box = Box([OMIT])
        assert ArticleFactory().build("plain", tags=box).tags.items == [OMIT]


class TestOmitInsideOverrides:
    @pytest.mark.parametrize("method", ["attributes", "build", "create"])
    def test_an_overrides_list_and_dict_drop_omit(self, method: str) -> None:
        made = getattr(ArticleFactory(), method)(
            "plain", tags=["a", OMIT], meta={"a": OMIT, "b": [OMIT, {"c": OMIT}]}
        )
        made = _plain(made)
        assert made["tags"] == ["a"]
        assert made["meta"] == {"b": [{}]}

    @pytest.mark.parametrize("method", ["attributes_batch", "build_batch", "create_batch"])
    def test_a_batchs_overrides_drop_omit(self, method: str) -> None:
        made = getattr(ArticleFactory(), method)("plain", 2, tags=(OMIT, "t"))
        assert [_plain(m)["tags"] for m in made] == [("t",), ("t",)]

    def test_an_override_holding_special_fields_and_omit(self) -> None:
        article = ArticleFactory().build("plain", tags=[OMIT, lazy(lambda a: a["title"]), OMIT])
        assert article.tags == ["Hello"]

    def test_an_override_passed_down_to_a_child_drops_omit(self) -> None:
        class ParentFactory(Factory[Article]):
            _model = Article

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"title": "parent", "author": association(ArticleFactory, "plain")}

        parent = ParentFactory().build("basic", author__tags=["x", OMIT])
        assert parent.author.tags == ["x"]

    def test_the_callers_override_is_not_changed(self) -> None:
        given = ["a", OMIT]
        ArticleFactory().build("plain", tags=given)
        assert given == ["a", OMIT]


class DictFactory(Factory[dict[str, Any]]):
    _model = dict
    _model_builder = DictBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        async def later(attrs: Any) -> list[Any]:
            return [OMIT, "awaited", {"gone": OMIT}]

        return {"tags": ["a", OMIT], "more": lazy(later)}


class TestOmitUnderAcreate:
    async def test_acreate_drops_omit_from_schema_and_coroutine_values(self) -> None:
        made = await DictFactory().acreate("basic", extra=[OMIT, 1])
        assert made == {"tags": ["a"], "more": ["awaited", {}], "extra": [1]}

    async def test_acreate_batch_drops_omit(self) -> None:
        made = await DictFactory().acreate_batch("basic", 2, extra={"x": OMIT})
        assert made == [{"tags": ["a"], "more": ["awaited", {}], "extra": {}}] * 2


class Document(Base):
    __tablename__ = "omit_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[Any] = mapped_column(JSON)


class DocumentFactory(Factory[Document]):
    _model = Document
    _model_builder = SQLAlchemyBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"body": {"tags": ["a", OMIT], "draft": OMIT}}


@pytest.fixture
def db_tables() -> list[Table]:
    """The document table, for the SQLite file of ``sqlite_engine``."""
    return [Document.__table__]


def test_a_created_json_column_is_written_without_omit(sqlite_engine: Engine) -> None:
    engine = sqlite_engine  # the test's SQLite file, with the table (tests/plugins)
    with Session(engine) as session:
        DocumentFactory(session=session).create("basic")
        DocumentFactory(session=session).create_batch("basic", 2, body=[OMIT, 1])
        session.commit()
    with Session(engine) as session:
        bodies = session.scalars(select(Document.body).order_by(Document.id)).all()
    assert bodies == [{"tags": ["a"]}, [1], [1]]
