"""A trait may switch on another trait, as factory_boy's ``fail_x = Trait(pass_x=True)``
does: the other trait's name among a trait's keys is its flag, never a model field."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pyfactory import CyclicDependencyError, Factory, SchemaError, association, schema, trait
from tests.models import RecordingBuilder

recorder = RecordingBuilder()


@dataclasses.dataclass
class Review:
    title: str = "Draft"
    status: str = "new"
    checked: bool = False
    score: int = 0
    archived: bool = False


class ReviewFactory(Factory[Review]):
    _model = Review
    _model_builder = recorder
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": "Draft"}

    @schema()
    def failed_report(self) -> dict[str, Any]:
        # Inside a schema, attributes() lays traits over the raw dict the same way.
        return self.attributes("basic", "failed")

    @trait()
    def passed(self) -> dict[str, Any]:
        return {"status": "passed", "checked": True, "score": 10}

    @trait()
    def failed(self) -> dict[str, Any]:
        # factory_boy: failed = Trait(passed=True, status="failed")
        return {"passed": True, "status": "failed", "score": 1}

    @trait()
    def disputed(self) -> dict[str, Any]:
        # Two steps: disputed → failed → passed.
        return {"failed": True, "title": "Disputed"}

    @trait()
    def unchecked(self) -> dict[str, Any]:
        return {"passed": False, "status": "open"}

    @trait()
    def archived(self) -> dict[str, Any]:
        # A trait that sets the field of its own name: a plain value, as always.
        return {"archived": True}

    @trait()
    def stale(self) -> dict[str, Any]:
        # archived is a trait too: True switches it on, and so sets the field.
        return {"archived": True, "title": "Stale"}


class LoopFactory(Factory[Review]):
    _model = Review
    _model_builder = recorder

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": "x"}

    @trait()
    def first(self) -> dict[str, Any]:
        return {"second": True}

    @trait()
    def second(self) -> dict[str, Any]:
        return {"third": True}

    @trait()
    def third(self) -> dict[str, Any]:
        return {"first": True}

    @trait()
    def vague(self) -> dict[str, Any]:
        return {"second": "yes"}


FAILED = {"title": "Draft", "status": "failed", "checked": True, "score": 1}


@pytest.fixture(autouse=True)
def _clear() -> Any:
    recorder.clear()
    yield
    recorder.clear()


class TestATraitSwitchesAnotherOn:
    def test_attributes_get_both_traits_and_no_flag(self) -> None:
        assert ReviewFactory().attributes("failed") == FAILED

    @pytest.mark.parametrize("method", ["build", "create"])
    def test_the_model_gets_no_flag_as_a_field(self, method: str) -> None:
        review = getattr(ReviewFactory(), method)("basic", "failed")
        assert review == Review(**FAILED)
        assert "passed" not in recorder.calls[-1][2]

    def test_as_a_flag_among_the_overrides(self) -> None:
        assert ReviewFactory().build(failed=True) == Review(**FAILED)

    def test_in_batches(self) -> None:
        assert ReviewFactory().create_batch(2, "failed") == [Review(**FAILED)] * 2
        assert ReviewFactory().attributes_batch(2, failed=True) == [FAILED] * 2

    async def test_under_acreate(self) -> None:
        assert await ReviewFactory().acreate("failed") == Review(**FAILED)

    def test_through_two_steps(self) -> None:
        assert ReviewFactory().attributes("disputed") == {**FAILED, "title": "Disputed"}

    def test_false_leaves_it_off(self) -> None:
        assert ReviewFactory().attributes("unchecked") == {"title": "Draft", "status": "open"}

    def test_a_traits_own_name_is_a_field(self) -> None:
        assert ReviewFactory().build("archived").archived is True
        assert ReviewFactory().build("stale") == Review(title="Stale", archived=True)

    def test_for_a_child_through_a_dunder_flag(self) -> None:
        class ShelfFactory(Factory[dict[str, Any]]):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"review": association(ReviewFactory)}

        shelf = ShelfFactory().build("basic", review__failed=True)
        assert shelf["review"] == Review(**FAILED)

    def test_in_a_schema_through_attributes(self) -> None:
        assert ReviewFactory().attributes("failed_report") == FAILED


class TestOrderOfApplication:
    def test_the_switching_traits_own_keys_win(self) -> None:
        # passed gives status "passed" and score 10; failed's own keys come after.
        review = ReviewFactory().build("failed")
        assert (review.status, review.score, review.checked) == ("failed", 1, True)

    def test_the_callers_overrides_win_over_both(self) -> None:
        review = ReviewFactory().build("failed", status="appealed", checked=False)
        assert (review.status, review.checked, review.score) == ("appealed", False, 1)

    def test_a_trait_named_later_wins(self) -> None:
        assert ReviewFactory().build("failed", "passed").status == "passed"
        assert ReviewFactory().build("passed", "failed").status == "failed"


class TestBadSwitches:
    def test_traits_that_switch_each_other_on_are_refused(self) -> None:
        with pytest.raises(CyclicDependencyError) as info:
            LoopFactory().build("basic", "first")
        assert str(info.value) == (
            "LoopFactory.basic: traits switch each other on: first → second → third → "
            "first; a trait may switch on another only if that one does not lead back to it"
        )
        assert info.value.cycle == ("first", "second", "third", "first")
        assert recorder.calls == []

    def test_a_cycle_found_from_its_middle(self) -> None:
        with pytest.raises(CyclicDependencyError, match="second → third → first → second"):
            LoopFactory().attributes("basic", second=True)

    def test_a_flag_that_is_not_a_bool(self) -> None:
        with pytest.raises(SchemaError) as info:
            LoopFactory().build("basic", "vague")
        assert str(info.value) == (
            "LoopFactory.basic: the trait method 'vague' gives 'second', a trait of "
            "LoopFactory, the value 'yes'; a trait switches another on with True, or "
            "leaves it off with False"
        )
