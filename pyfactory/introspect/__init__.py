"""What a model declares about its fields, for auto-filled fields.

:func:`fields_of` reads any supported kind of model into a list of
:class:`FieldInfo` records, one per field, so that values are generated the same
way whatever the model is: dataclasses, attrs classes, pydantic v2 models,
msgspec Structs, TypedDicts, SQLAlchemy mapped classes and Django models. Each
builder answers :meth:`ModelBuilder.fields() <pyfactory.builders.ModelBuilder.fields>`
with it for its own models.

Importing this package imports none of those libraries; a model's own library is
only used once a model of that kind is read.

.. versionadded:: 0.1
"""

from pyfactory.introspect._info import NO_DEFAULT, FieldInfo, RelationKind
from pyfactory.introspect._kinds import fields_of

__all__ = ["NO_DEFAULT", "FieldInfo", "RelationKind", "fields_of"]
