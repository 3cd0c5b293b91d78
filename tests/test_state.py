"""The process-wide state that decides generated values: ``pyfactory._state``'s
``snapshot()``, ``restore()`` and ``reset()``."""

from __future__ import annotations

import threading
from typing import Any

from faker import Faker
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pyfactory import Factory, _state, fake, schema, sequence
from pyfactory.autofill._unique import set_unique_claim, unique_claim
from tests.models.sqlalchemy import Base


class Account(Base):
    __tablename__ = "state_account"
    __table_args__ = (UniqueConstraint("first", "last"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(80), unique=True)
    first: Mapped[str] = mapped_column(String(20))
    last: Mapped[str] = mapped_column(String(20))


class AccountFactory(Factory[Account]):
    _model = Account
    _default_schema = "basic"

    @schema(auto=True)
    def basic(self) -> dict[str, Any]:
        return {}


class OtherAccountFactory(Factory[Account]):
    """A second factory of the model: its unique fields share the first's record."""

    _model = Account
    _default_schema = "basic"

    @schema(auto=True)
    def basic(self) -> dict[str, Any]:
        return {}


class TicketFactory(Factory[dict[str, Any]]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "code": sequence("T-{n}"),
            "seat": fake("pyint", min_value=1, max_value=10_000, unique=True),
        }


def _accounts(factory: type[Factory[Account]], seed: int, count: int = 3) -> list[tuple[str, ...]]:
    return [(a.email, a.first, a.last) for a in factory(seed=seed).build_batch(count)]


def test_sequences_give_the_same_numbers_after_restore() -> None:
    TicketFactory().build()
    kept = _state.snapshot()
    first = [t["code"] for t in TicketFactory().build_batch(3)]
    _state.restore(kept)
    again = [t["code"] for t in TicketFactory().build_batch(3)]
    assert again == first
    assert TicketFactory().build()["code"] != first[0]  # it counts on from there


def test_a_sequence_first_used_after_the_snapshot_restarts_from_its_start() -> None:
    class Fresh(Factory[dict[str, Any]]):
        _model = dict
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"code": sequence("F-{n}", start=7)}

    kept = _state.snapshot()
    assert [t["code"] for t in Fresh().build_batch(2)] == ["F-7", "F-8"]
    _state.restore(kept)
    assert Fresh().build()["code"] == "F-7"


def test_unique_fake_values_come_again_after_restore() -> None:
    shared = Faker()
    # Each factory made with the seed seeds the shared Faker again; its unique
    # memory is the Faker's own, so only that decides whether values repeat.
    TicketFactory(faker=shared, seed=1).build_batch(2)
    kept = _state.snapshot()
    first = [t["seat"] for t in TicketFactory(faker=shared, seed=1).build_batch(5)]
    _state.restore(kept)
    again = [t["seat"] for t in TicketFactory(faker=shared, seed=1).build_batch(5)]
    assert again == first
    # Without the restore, the values already handed out are refused.
    later = [t["seat"] for t in TicketFactory(faker=shared, seed=1).build_batch(5)]
    assert not set(later) & set(first)


def test_auto_filled_unique_values_come_again_after_restore() -> None:
    _accounts(AccountFactory, seed=1)
    kept = _state.snapshot()
    first = _accounts(AccountFactory, seed=1)  # drawn again: the seed's first are taken
    _state.restore(kept)
    assert _accounts(AccountFactory, seed=1) == first
    assert not set(_accounts(AccountFactory, seed=1)) & set(first)


def test_a_factory_made_after_the_snapshot_leaves_the_shared_record_as_it_was() -> None:
    before = _accounts(AccountFactory, seed=5)
    kept = _state.snapshot()
    first = _accounts(AccountFactory, seed=5)
    assert not set(first) & set(before)
    _accounts(OtherAccountFactory, seed=6)  # its new tracker shares the email record
    _state.restore(kept)
    # The record holds the values before the snapshot: the seed's first draws stay
    # taken, so the factory gives what it gave right after the snapshot.
    assert _accounts(AccountFactory, seed=5) == first


def test_reset_restarts_sequences_and_forgets_unique_values() -> None:
    shared = Faker()
    TicketFactory().build_batch(3)
    seats = [t["seat"] for t in TicketFactory(faker=shared, seed=2).build_batch(3)]
    accounts = _accounts(AccountFactory, seed=2)
    _state.reset()
    assert TicketFactory().build()["code"] == "T-1"
    assert [t["seat"] for t in TicketFactory(faker=shared, seed=2).build_batch(3)] == seats
    assert _accounts(AccountFactory, seed=2) == accounts


def test_reset_after_snapshots_counts_on_past_their_highest_numbers() -> None:
    _state.reset()
    TicketFactory().build_batch(2)
    low = _state.snapshot()
    TicketFactory().build_batch(3)
    high = _state.snapshot()
    TicketFactory().build_batch(4)
    _state.reset([high, low])
    assert TicketFactory().build()["code"] == "T-6"


def test_restore_puts_back_the_unique_claim() -> None:
    def claim(namespace: str, value: Any) -> bool:
        return True

    previous = set_unique_claim(claim)
    try:
        kept = _state.snapshot()
        set_unique_claim(None)
        _state.restore(kept)
        assert unique_claim() is claim
        _state.reset()
        assert unique_claim() is claim  # reset keeps the claim
    finally:
        set_unique_claim(previous)


def test_snapshots_taken_while_threads_draw_unique_values_never_repeat_one() -> None:
    _state.reset()
    drawn: list[tuple[str, ...]] = []
    errors: list[BaseException] = []

    def draw(seed: int) -> None:
        try:
            for _ in range(10):
                drawn.extend(_accounts(AccountFactory, seed=seed, count=5))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=draw, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    snapshots = []
    while any(thread.is_alive() for thread in threads):
        snapshots.append(_state.snapshot())
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({email for email, _first, _last in drawn}) == len(drawn) == 200
    assert len({(first, last) for _email, first, last in drawn}) == 200
    assert snapshots  # the state was read while they drew
