"""Tests for overrides: plain keys, special fields, ``OMIT``, dunder keys, replaced
associations and transient keys (DESIGN §2, §3)."""

from __future__ import annotations

import keyword
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pyfactory import (
    OMIT,
    Factory,
    association,
    fake,
    lazy,
    many,
    schema,
    sequence,
    trait,
    transient,
)
from pyfactory.builders import DictBuilder
from tests.models import (
    Avatar,
    Profile,
    ProfileFactory,
    RecordingBuilder,
    UserFactory,
)


class DictFactory(Factory[dict[str, Any]]):
    _abstract = True
    _model = dict
    _model_builder = DictBuilder()


class PlainFactory(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": "schema-name",
            "count": 1,
            "tags": ["a"],
            "slug": lazy(lambda a: str(a["name"]).lower()),
            "code": sequence("c{n}"),
        }

    @trait()
    def flagged(self) -> dict[str, Any]:
        return {"flagged": True}


class TestPlainOverrides:
    def test_override_replaces_a_value(self) -> None:
        """A plain override replaces the schema's value."""
        assert PlainFactory().attributes("basic", name="Given")["name"] == "Given"

    def test_override_adds_a_key(self) -> None:
        """An override for a key the schema lacks adds it."""
        row = PlainFactory().build("basic", extra=[1, 2])

        assert row["extra"] == [1, 2]
        assert row["name"] == "schema-name"

    def test_override_replaces_a_special_field(self) -> None:
        """A plain override of a special field's key is used as is, and the field never runs."""
        f = PlainFactory()

        assert f.build("basic", code="fixed")["code"] == "fixed"
        assert f.build("basic")["code"] == "c1"

    def test_lazy_fields_read_overridden_values(self) -> None:
        """A lazy field sees the override, not the schema's value."""
        assert PlainFactory().build("basic", name="MiXeD")["slug"] == "mixed"

    def test_special_field_as_override(self) -> None:
        """A special field given as an override is resolved per object."""
        rows = PlainFactory().build_batch(
            "basic",
            2,
            name=sequence("n{n}"),
            slug=lazy(lambda a: a["name"] + "!"),
            word=fake("word"),
        )

        assert [r["name"] for r in rows] == ["n1", "n2"]
        assert [r["slug"] for r in rows] == ["n1!", "n2!"]
        assert all(isinstance(r["word"], str) and r["word"] for r in rows)

    def test_association_as_override(self, recorder: RecordingBuilder) -> None:
        """An association given as an override makes its child in the caller's scope."""
        user = UserFactory().create("basic", profile=association(ProfileFactory, "basic", "empty"))

        assert user.profile == Profile(bio="", avatar=Avatar(url="https://img.example.com/1.png"))
        assert recorder.made("Profile") == 1

    def test_override_containers_are_the_callers(self) -> None:
        """A container given as an override reaches the object with its contents."""
        assert PlainFactory().build("basic", tags=["x", "y"])["tags"] == ["x", "y"]

    def test_nested_special_fields_in_an_override_resolve(self) -> None:
        """Special fields inside a list given as an override are resolved."""
        row = PlainFactory().build("basic", tags=[sequence("t{n}"), "plain"])

        assert row["tags"] == ["t1", "plain"]


_names = st.from_regex(r"[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,4})?", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s) and s != "flagged"
)
_plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


class TestOverridesWin:
    @given(overrides=st.dictionaries(_names, _plain, max_size=6))
    def test_plain_overrides_always_win(self, overrides: dict[str, Any]) -> None:
        """Any plain override values are in the result; the other keys come from the schema."""
        row = PlainFactory().build("basic", **overrides)

        for key, value in overrides.items():
            assert row[key] == value
        defaults = {"name": "schema-name", "count": 1, "tags": ["a"]}
        for key, value in defaults.items():
            if key not in overrides:
                assert row[key] == value
        assert set(row) == {"name", "count", "tags", "slug", "code"} | set(overrides)

    @given(overrides=st.dictionaries(_names, _plain, max_size=6), traits=st.booleans())
    def test_overrides_win_over_traits(self, overrides: dict[str, Any], traits: bool) -> None:
        """Overrides win over trait values as well as schema values."""
        args = ("flagged",) if traits else ()
        row = PlainFactory().attributes("basic", *args, **overrides)

        for key, value in overrides.items():
            assert row[key] == value
        if traits and "flagged" not in overrides:
            assert row["flagged"] is True


class OmitFactory(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"keep": 1, "gone": OMIT, "drop_me": 2, "lazy_gone": lazy(lambda a: 3)}

    @trait()
    def slim(self) -> dict[str, Any]:
        return {"drop_me": OMIT}


class TestOmit:
    def test_omit_in_the_schema_removes_the_key(self) -> None:
        """``OMIT`` as a schema value leaves the key out."""
        assert OmitFactory().build("basic") == {"keep": 1, "drop_me": 2, "lazy_gone": 3}

    def test_omit_in_a_trait_removes_the_key(self) -> None:
        """``OMIT`` in a trait removes the schema's key."""
        assert OmitFactory().build("basic", "slim") == {"keep": 1, "lazy_gone": 3}
        assert OmitFactory().build("basic", slim=True) == {"keep": 1, "lazy_gone": 3}

    def test_omit_as_an_override_removes_the_key(self) -> None:
        """``OMIT`` as an override removes a plain key or a special field's key."""
        f = OmitFactory()

        assert f.build("basic", keep=OMIT) == {"drop_me": 2, "lazy_gone": 3}
        assert f.build("basic", lazy_gone=OMIT) == {"keep": 1, "drop_me": 2}
        assert f.attributes("basic", keep=OMIT, drop_me=OMIT, lazy_gone=OMIT) == {}

    def test_omit_of_an_association_makes_no_child(self, recorder: RecordingBuilder) -> None:
        """``OMIT`` for an association's key leaves the key out and makes no child."""
        user = UserFactory().create("with_profile", profile=OMIT)

        assert user.profile is None
        assert recorder.made("Profile") == 0
        assert "profile" not in recorder.calls[-1][2]

    def test_override_restores_a_key_a_trait_omitted(self) -> None:
        """An override after an omitting trait puts the key back."""
        assert OmitFactory().build("basic", "slim", drop_me=5)["drop_me"] == 5

    def test_omit_for_a_key_the_schema_lacks_is_harmless(self) -> None:
        """``OMIT`` for a key that is not there changes nothing."""
        assert OmitFactory().build("basic", absent=OMIT) == {
            "keep": 1,
            "drop_me": 2,
            "lazy_gone": 3,
        }


class TestDunderOverrides:
    def test_depth_one(self, recorder: RecordingBuilder) -> None:
        """``profile__bio`` reaches the association on ``profile`` as ``bio``."""
        user = UserFactory().create("with_profile", profile__bio="Hi there")

        assert user.profile.bio == "Hi there"  # type: ignore[union-attr]
        assert recorder.made("Profile") == 1

    def test_depth_two(self) -> None:
        """``profile__avatar__size`` reaches the grandchild."""
        user = UserFactory().build("with_profile", profile__avatar__size=128)

        assert user.profile.avatar == Avatar(url="https://img.example.com/1.png", size=128)  # type: ignore[union-attr]

    def test_depth_three(self) -> None:
        """``a__b__c__d`` reaches three associations down."""

        class Level3(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"value": "deep", "other": 0}

            @trait()
            def marked(self) -> dict[str, Any]:
                return {"marked": True}

        class Level2(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"c": association(Level3, "basic")}

        class Level1(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"b": association(Level2, "basic")}

        class Root(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": association(Level1, "basic")}

        row = Root().build("basic", a__b__c__value="changed", a__b__c__marked=True)
        plain = Root().build("basic", a__b__c=OMIT)

        assert row == {"a": {"b": {"c": {"value": "changed", "other": 0, "marked": True}}}}
        assert plain == {"a": {"b": {}}}

    def test_trait_flags_at_depth(self) -> None:
        """A trait flag two associations down applies the grandchild's trait."""
        user = UserFactory().build("with_profile", profile__avatar__large=True, profile__empty=True)

        assert user.profile.bio == ""  # type: ignore[union-attr]
        assert user.profile.avatar.size == 512  # type: ignore[union-attr]

    def test_dunder_override_with_special_field(self) -> None:
        """A special field given through a dunder key is resolved by the child."""
        users = UserFactory().build_batch("with_profile", 2, profile__bio=sequence("bio {n}"))

        assert [u.profile.bio for u in users] == ["bio 1", "bio 2"]  # type: ignore[union-attr]

    def test_dunder_override_wins_over_association_overrides(self) -> None:
        """The caller's dunder key wins over the overrides written in the association."""

        class F(UserFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                base = super().schema("basic")
                base["profile"] = association(ProfileFactory, "basic", bio="from association")
                return base

        assert F().build("basic").profile.bio == "from association"  # type: ignore[union-attr]
        assert F().build("basic", profile__bio="from caller").profile.bio == "from caller"  # type: ignore[union-attr]

    def test_dunder_into_many_applies_to_every_child(self, recorder: RecordingBuilder) -> None:
        """``posts__title`` reaches every child of a ``many`` field."""
        user = UserFactory().create("with_posts", posts__title="Same")

        assert [p.title for p in user.posts] == ["Same", "Same"]
        assert recorder.made("Post") == 2

    def test_dunder_through_many_to_grandchildren(self) -> None:
        """``posts__comments__body`` reaches every grandchild under ``many`` twice over."""
        user = UserFactory().build(
            "with_posts", posts__comments__body="x", posts__comments__shouting=False
        )

        assert [c.body for p in user.posts for c in p.comments] == ["x"] * 4

    def test_trait_flag_into_many(self) -> None:
        """A trait flag through a ``many`` field applies to every child."""
        user = UserFactory().build("with_posts", posts__comments__shouting=True)

        assert [c.body for p in user.posts for c in p.comments] == ["HEY"] * 4

    def test_dunder_keys_in_a_schema_reach_the_child(self) -> None:
        """A ``key__field`` entry written in a schema or trait is passed to the child."""

        class F(UserFactory):
            @schema()
            def custom(self) -> dict[str, Any]:
                base = self.schema("with_profile")
                base["profile__bio"] = "from schema"
                return base

            @trait()
            def big_avatar(self) -> dict[str, Any]:
                return {"profile__avatar__size": 1024}

        user = F().build("custom", "big_avatar")

        assert user.profile.bio == "from schema"  # type: ignore[union-attr]
        assert user.profile.avatar.size == 1024  # type: ignore[union-attr]
        assert F().build("custom", profile__bio="caller").profile.bio == "caller"  # type: ignore[union-attr]

    def test_dunder_under_attributes(self) -> None:
        """Dunder keys also reach children made as attribute dicts."""
        row = UserFactory().attributes("with_profile", profile__avatar__size=1)

        assert row["profile"]["avatar"]["size"] == 1


class SharedChildFactory(Factory[dict[str, Any]]):
    _model = dict
    _model_builder = DictBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        profile = association(ProfileFactory, "basic")
        return {
            "profile": profile,
            "bio": profile.attribute("bio"),
            "avatar_url": profile.callback(lambda p: p.avatar.url if p else "none"),
        }


class TestReplacedAssociation:
    def test_none_makes_no_child(self, recorder: RecordingBuilder) -> None:
        """``profile=None`` gives None and no child is made, not even one thrown away."""
        user = UserFactory().create("with_profile", profile=None)

        assert user.profile is None
        assert recorder.made("Profile") == 0
        assert recorder.made("Avatar") == 0
        assert recorder.methods() == ["create"]

    def test_ready_object_makes_no_child(self, recorder: RecordingBuilder) -> None:
        """A ready object in place of an association is used as is and no child is made."""
        given_profile = Profile(bio="given")

        user = UserFactory().create("with_profile", profile=given_profile)

        assert user.profile is given_profile
        assert recorder.made("Profile") == 0
        assert recorder.made("Avatar") == 0

    def test_ready_object_in_place_of_many_makes_no_children(
        self, recorder: RecordingBuilder
    ) -> None:
        """A list in place of a ``many`` field is used as is and no child is made."""
        user = UserFactory().build("with_posts", posts=[])

        assert user.posts == []
        assert recorder.made("Post") == 0
        assert recorder.made("Comment") == 0

    def test_attribute_fields_read_from_the_given_object(self, recorder: RecordingBuilder) -> None:
        """``.attribute()`` and ``.callback()`` read the object given in place of the child."""
        given_profile = Profile(bio="given", avatar=Avatar(url="given.png"))

        row = SharedChildFactory().create("basic", profile=given_profile)

        assert row == {"profile": given_profile, "bio": "given", "avatar_url": "given.png"}
        assert recorder.made("Profile") == 0

    def test_attribute_fields_of_none(self, recorder: RecordingBuilder) -> None:
        """With ``profile=None``, an ``.attribute()`` field is None and no child is made."""
        row = SharedChildFactory().build("basic", profile=None)

        assert row["profile"] is None
        assert row["bio"] is None
        assert row["avatar_url"] == "none"
        assert recorder.made("Profile") == 0

    def test_attribute_fields_share_the_one_child(self, recorder: RecordingBuilder) -> None:
        """Without a replacement, the association and its derived fields share one child."""
        row = SharedChildFactory().create("basic", profile__bio="shared")

        assert row["bio"] == "shared"
        assert row["avatar_url"] == row["profile"].avatar.url
        assert recorder.made("Profile") == 1

    def test_replaced_association_under_attributes(self, recorder: RecordingBuilder) -> None:
        """Under ``attributes`` too, a replaced association makes no child dict."""
        row = UserFactory().attributes("with_profile", profile=None)

        assert row["profile"] is None
        assert recorder.calls == []


class TransientFactory(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "shout": transient(False),
            "name": lazy(lambda a: "BOB" if a["shout"] else "bob"),
        }

    @trait()
    def loud(self) -> dict[str, Any]:
        return {"shout": True}


class TestTransientOverrides:
    def test_transient_default_is_read_and_dropped(self) -> None:
        """A transient value is read by lazy fields and never reaches the builder."""
        assert TransientFactory().build("basic") == {"name": "bob"}

    def test_override_of_a_transient_key_stays_transient(self) -> None:
        """Overriding a transient key changes what lazy fields read; the key is still dropped."""
        builder = RecordingBuilder()

        class F(TransientFactory):
            _model_builder = builder

        obj = F().build("basic", shout=True)

        assert obj == {"name": "BOB"}
        assert builder.calls == [("build", "dict", {"name": "BOB"})]

    def test_special_field_override_of_a_transient_key_stays_transient(self) -> None:
        """A special field given for a transient key resolves and is still dropped."""
        assert TransientFactory().build("basic", shout=lazy(lambda a: True)) == {"name": "BOB"}

    def test_trait_setting_a_transient_key_stays_transient(self) -> None:
        """A trait's value for a transient key is read and dropped."""
        assert TransientFactory().build("basic", "loud") == {"name": "BOB"}

    def test_transient_is_dropped_from_attributes(self) -> None:
        """``attributes`` gives what the builder would get: no transient keys."""
        assert TransientFactory().attributes("basic", shout=True) == {"name": "BOB"}

    def test_transient_through_dunder(self) -> None:
        """A dunder key can set a child's transient value."""

        class Parent(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "child": association(TransientFactory, "basic"),
                    "items": many(TransientFactory, "basic", count=2),
                }

        row = Parent().build("basic", child__shout=True, items__shout=True)

        assert row == {"child": {"name": "BOB"}, "items": [{"name": "BOB"}, {"name": "BOB"}]}
