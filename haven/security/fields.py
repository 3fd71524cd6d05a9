"""Model fields that store their content sealed under the row's school's data key.

Services, forms and templates see plain text; the database and the media folder hold only
``hv1:...`` values and sealed files (haven.lib.crypto). Each field names, with ``unit``, where
the row's unit id is found (an attribute path such as ``"school_id"`` or ``"report.school_id"``,
or a function of the instance): that unit's data key seals the value. Opening needs only the
key id stored in the value. Plain values written before encryption still read as they are.

Such a column cannot be searched, sorted or compared in SQL: filter on other columns. Writes
must go through ``save()``/``create()``/``bulk_create()`` (they seal); ``update()`` and
``bulk_update()`` can store only an empty value (to erase content).
"""

import json
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import models
from django.db.models.fields.files import FieldFile

from haven.lib import crypto
from haven.security import keys

Unit = str | Callable[[Any], int | None]


class _Sealed(str):
    """A value pre_save has sealed: the only non-empty text the column accepts."""

    __slots__ = ()


def _unit_id(instance: Any, unit: Unit) -> int:
    if callable(unit):
        found = unit(instance)
    else:
        found = instance
        for part in unit.split("."):
            found = getattr(found, part)
    if found is None:
        raise crypto.CryptoError(
            f"{type(instance).__name__} has no unit to choose its data key ({unit!r})"
        )
    return int(found)


def _place(field: models.Field[Any, Any]) -> str:
    return f"{field.model._meta.db_table}.{field.column}"


def open_stored(value: str, place: str) -> str:
    key_id = crypto.text_key_id(value)
    if key_id is None:
        return value  # written before encryption was turned on
    return crypto.open_text(keys.key_by_id(key_id), value, place)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Free text about people, sealed per school. Takes ``max_length`` for forms only."""

    def __init__(self, *args: Any, unit: Unit = "school_id", **kwargs: Any) -> None:
        self.unit = unit
        super().__init__(*args, **kwargs)

    @property
    def place(self) -> str:
        return _place(self)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if not value or isinstance(value, _Sealed):
            return value
        key_id, aead = keys.key_for_unit(_unit_id(model_instance, self.unit))
        return _Sealed(crypto.seal_text(aead, key_id, self.place, str(value)))

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value and not isinstance(value, _Sealed):
            raise crypto.CryptoError(
                f"{self.place} is encrypted: store it with save() or create(), which seal it"
            )
        return super().get_db_prep_save(value, connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        return open_stored(value, self.place)


class EncryptedJSONField(EncryptedTextField):
    """JSON holding free text (open survey answers), sealed whole; stored as text."""

    # What django-stubs reads as the attribute's type: any JSON value, not text.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, _Sealed):
            return value
        return self.seal(value, _unit_id(model_instance, self.unit))

    def seal(self, value: Any, unit_id: int) -> "_Sealed":
        key_id, aead = keys.key_for_unit(unit_id)
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return _Sealed(crypto.seal_text(aead, key_id, self.place, text))

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value is not None and not isinstance(value, _Sealed):
            if value:
                return super().get_db_prep_save(value, connection)  # refused: not sealed
            value = json.dumps(value)  # an emptied value ({}, []) holds nothing to hide
        return models.TextField.get_db_prep_save(self, value, connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return json.loads(open_stored(value, self.place) or "null")

    def to_python(self, value: Any) -> Any:
        return value  # already Python (from the database through from_db_value)


def seal(instance: models.Model, field_name: str, value: Any) -> Any:
    """``value`` sealed for ``instance``'s field, for writes by ``update()`` (a conditional
    update, a compare-and-set) that bypass ``save()``."""
    field = instance._meta.get_field(field_name)
    if isinstance(field, EncryptedJSONField):
        return field.seal(value, _unit_id(instance, field.unit))
    if isinstance(field, EncryptedTextField):
        if not value:
            return value
        key_id, aead = keys.key_for_unit(_unit_id(instance, field.unit))
        return _Sealed(crypto.seal_text(aead, key_id, field.place, str(value)))
    raise TypeError(f"{field_name} is not an encrypted field")


class EncryptedFieldFile(FieldFile):
    """A stored file sealed on save and opened on read; its name says nothing."""

    field: "EncryptedFileField"

    def save(self, name: str, content: File[Any], save: bool = True) -> None:
        content.seek(0)
        plain = content.read()
        key_id, aead = keys.key_for_unit(_unit_id(self.instance, self.field.unit))
        sealed = ContentFile(crypto.seal_bytes(aead, key_id, self.field.place, plain))
        super().save(name, sealed, save)
        # The open file stays the plain one: whoever saved it may read it on.
        self._file = ContentFile(plain, name=self.name)

    def plain(self) -> bytes:
        self._require_file()  # type: ignore[attr-defined]
        with self.storage.open(str(self.name), "rb") as stored:
            raw = stored.read()
        key_id = crypto.bytes_key_id(raw)
        if key_id is None:
            return bytes(raw)  # stored before encryption was turned on
        return crypto.open_bytes(keys.key_by_id(key_id), raw, self.field.place)

    def _get_file(self) -> File[Any]:
        if getattr(self, "_file", None) is None:
            self._file = ContentFile(self.plain(), name=self.name)
        return self._file

    file = property(_get_file, FieldFile._set_file, FieldFile._del_file)  # type: ignore[attr-defined]

    def open(self, mode: str | None = "rb", *args: Any, **kwargs: Any) -> "EncryptedFieldFile":
        if getattr(self, "_file", None) is None or self._file.closed:
            self._file = ContentFile(self.plain(), name=self.name)
        else:
            self._file.seek(0)
        return self

    @property
    def size(self) -> int:
        return int(self.file.size)


class EncryptedFileField(models.FileField):
    """A file about people, sealed per school before it reaches the storage."""

    attr_class = EncryptedFieldFile

    def __init__(self, *args: Any, unit: Unit = "school_id", **kwargs: Any) -> None:
        self.unit = unit
        super().__init__(*args, **kwargs)

    @property
    def place(self) -> str:
        return _place(self)
