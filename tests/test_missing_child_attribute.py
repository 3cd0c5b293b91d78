"""An association that reads an attribute its child does not have (``attr="name"``,
``.attribute("name")``) raises the same FieldError, with the same path, from every
method: one object or a batch, sync or async, written in bulk or not."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pyfactory import Factory, FieldError, association, lazy, schema
from pyfactory.builders import ObjectBuilder


@dataclasses.dataclass
class Company:
    code: str = "ACME"


@dataclasses.dataclass
class Employee:
    company_name: Any = None
    label: Any = None
    boss: Any = None


class CompanyFactory(Factory[Company]):
    _model = Company
    _model_builder = ObjectBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"code": "ACME"}


class EmployeeFactory(Factory[Employee]):
    _model = Employee
    _model_builder = ObjectBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"company_name": association(CompanyFactory, attr="name")}

    @schema()
    def derived(self) -> dict[str, Any]:
        company = association(CompanyFactory)
        return {"boss": company, "label": company.attribute("name")}

    @schema()
    def read_by_lazy(self) -> dict[str, Any]:
        return {
            "company_name": association(CompanyFactory, attr="name"),
            "label": lazy(lambda e: f"works at {e['company_name']}"),
        }


class TeamFactory(Factory[Employee]):
    """The failing association one level down, under a parent."""

    _model = Employee
    _model_builder = ObjectBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"boss": association(EmployeeFactory, "basic")}


MESSAGE = (
    "association to CompanyFactory raised "
    "AttributeError(\"'Company' object has no attribute 'name'\")"
)

ONE: dict[str, Callable[[Factory[Any], str], Any]] = {
    "build": lambda f, s: f.build(s),
    "create": lambda f, s: f.create(s),
    "build_batch": lambda f, s: f.build_batch(s, 3),
    "create_batch": lambda f, s: f.create_batch(s, 3),
    "insert_batch": lambda f, s: f.insert_batch(s, 3),
}
ASYNC: dict[str, Callable[[Factory[Any], str], Awaitable[Any]]] = {
    "acreate": lambda f, s: f.acreate(s),
    "acreate_batch": lambda f, s: f.acreate_batch(s, 3),
    "ainsert_batch": lambda f, s: f.ainsert_batch(s, 3),
}


class TestEveryMethodGivesTheSameFieldError:
    @pytest.mark.parametrize("method", list(ONE))
    def test_attr_of_an_association(self, method: str) -> None:
        with pytest.raises(FieldError) as info:
            ONE[method](EmployeeFactory(), "basic")
        assert str(info.value) == f"EmployeeFactory.basic → company_name: {MESSAGE}"
        assert isinstance(info.value.__cause__, AttributeError)

    @pytest.mark.parametrize("method", list(ASYNC))
    async def test_attr_of_an_association_async(self, method: str) -> None:
        with pytest.raises(FieldError) as info:
            await ASYNC[method](EmployeeFactory(), "basic")
        assert str(info.value) == f"EmployeeFactory.basic → company_name: {MESSAGE}"

    @pytest.mark.parametrize("method", list(ONE))
    def test_in_a_child_the_path_starts_at_the_parent(self, method: str) -> None:
        with pytest.raises(FieldError) as info:
            ONE[method](TeamFactory(), "basic")
        assert str(info.value) == (
            f"TeamFactory.basic → boss (EmployeeFactory.basic) → company_name: {MESSAGE}"
        )

    @pytest.mark.parametrize("method", list(ASYNC))
    async def test_in_a_child_async(self, method: str) -> None:
        with pytest.raises(FieldError) as info:
            await ASYNC[method](TeamFactory(), "basic")
        assert str(info.value) == (
            f"TeamFactory.basic → boss (EmployeeFactory.basic) → company_name: {MESSAGE}"
        )

    @pytest.mark.parametrize("method", list(ONE))
    def test_attribute_of_a_shared_child_names_its_own_field(self, method: str) -> None:
        with pytest.raises(FieldError) as info:
            ONE[method](EmployeeFactory(), "derived")
        assert str(info.value) == (
            "EmployeeFactory.derived → label: attribute('name') of the association to "
            "CompanyFactory raised AttributeError(\"'Company' object has no attribute 'name'\")"
        )

    @pytest.mark.parametrize("method", list(ONE))
    def test_a_lazy_field_reading_it(self, method: str) -> None:
        with pytest.raises(FieldError) as info:
            ONE[method](EmployeeFactory(), "read_by_lazy")
        assert info.value.path == "EmployeeFactory.read_by_lazy → company_name"
        assert info.value.reason == MESSAGE


class ReaderTeamFactory(Factory[Employee]):
    """A lazy field one level down reads the missing attribute."""

    _model = Employee
    _model_builder = ObjectBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"boss": association(EmployeeFactory, "read_by_lazy")}


NESTED_LAZY = (
    f"ReaderTeamFactory.basic → boss (EmployeeFactory.read_by_lazy) → company_name: {MESSAGE}"
)


@pytest.mark.parametrize("method", list(ONE))
def test_a_lazy_field_below_a_parent_gets_the_path_once(method: str) -> None:
    with pytest.raises(FieldError) as info:
        ONE[method](ReaderTeamFactory(), "basic")
    assert str(info.value) == NESTED_LAZY


@pytest.mark.parametrize("method", list(ASYNC))
async def test_a_lazy_field_below_a_parent_gets_the_path_once_async(method: str) -> None:
    with pytest.raises(FieldError) as info:
        await ASYNC[method](ReaderTeamFactory(), "basic")
    assert str(info.value) == NESTED_LAZY
