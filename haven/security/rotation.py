"""Key rotation and bulk (re-)encryption, run by ``manage.py keys_rotate``.

Nothing here stops the service: new master keys are added beside the old ones before the old
ones go, and a school's content moves to a new data key in small batches (one transaction
each) while the old key still opens whatever has not moved yet.
"""

import secrets
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from haven.lib import crypto
from haven.security import keys
from haven.security.fields import EncryptedFileField, EncryptedTextField
from haven.security.models import DataKey

Say = Callable[[str], None]


def encrypted_fields() -> Iterator[
    tuple[type[models.Model], list[EncryptedTextField], list[EncryptedFileField]]
]:
    for model in apps.get_models():
        texts = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        files = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFileField)]
        if texts or files:
            yield model, texts, files


def master_add(path: Path, say: Say) -> str:
    """Wrap every data key under the first key of ``path`` too (made there if missing)."""
    if not path.exists():
        crypto.write_master_key_file(path)
        say(f"made a new master key file {path} (0600)")
    new = crypto.parse_master_keys(path.read_text(encoding="ascii"), str(path))[0]
    added = 0
    for key_id in DataKey.objects.values_list("key_id", flat=True).distinct().iterator():
        with transaction.atomic():
            rows = list(DataKey.objects.select_for_update().filter(key_id=key_id))
            if any(r.master_id == new.id for r in rows):
                continue
            row = keys._loaded_row(rows, f"Data key {key_id}")
            plain = crypto.unwrap(
                crypto.master_key(row.master_id),  # type: ignore[arg-type]
                row.key_id,
                row.unit_id,
                row.wrapped,
            )
            DataKey.objects.create(
                key_id=key_id,
                unit_id=row.unit_id,
                master_id=new.id,
                wrapped=crypto.wrap(new, key_id, row.unit_id, plain),
                created=row.created,
                retired=row.retired,
            )
            added += 1
    say(f"wrapped {added} data key(s) under master key {new.id}")
    return new.id


def master_drop(master_id: str, say: Say) -> int:
    """Delete the wraps under ``master_id``; refused while a key has no other wrap."""
    with transaction.atomic():
        ids = set(DataKey.objects.filter(master_id=master_id).values_list("key_id", flat=True))
        covered = set(
            DataKey.objects.filter(key_id__in=ids)
            .exclude(master_id=master_id)
            .values_list("key_id", flat=True)
        )
        if ids - covered:
            raise crypto.CryptoError(
                f"{len(ids - covered)} data key(s) are wrapped only under {master_id}: run "
                "keys_rotate --new-master-key-file first"
            )
        deleted, _by_model = DataKey.objects.filter(master_id=master_id).delete()
    say(f"removed {deleted} wrap(s) under master key {master_id}")
    return deleted


def _unit_lookup(unit: Any) -> str:
    if not isinstance(unit, str):
        raise crypto.CryptoError("re-encrypting by unit needs the field's unit as a path")
    return unit.replace(".", "__")


def _resave_texts(
    model: type[models.Model], fields: list[EncryptedTextField], match: Q, batch: int
) -> int:
    done = 0
    manager = model._base_manager
    pks = list(manager.filter(match).values_list("pk", flat=True))
    names = [f.name for f in fields]
    for start in range(0, len(pks), batch):
        with transaction.atomic():
            for row in manager.select_for_update().filter(pk__in=pks[start : start + batch]):
                row.save(update_fields=names)  # read opened, written sealed under the unit's key
                done += 1
    return done


def _resave_files(
    model: type[models.Model],
    field: EncryptedFileField,
    rows: Any,
    old: set[str] | None,
    batch: int,
) -> int:
    done = 0
    pks = list(rows.values_list("pk", flat=True))
    for start in range(0, len(pks), batch):
        with transaction.atomic():
            for row in model._base_manager.select_for_update().filter(
                pk__in=pks[start : start + batch]
            ):
                stored = getattr(row, field.attname)
                if not stored:
                    continue
                with stored.storage.open(stored.name, "rb") as handle:
                    key_id = crypto.bytes_key_id(handle.read(64))
                # None: only files stored plain; otherwise files under one of the old keys.
                if not (key_id is None if old is None else key_id in old):
                    continue
                plain, old_name = stored.plain(), stored.name
                extension = old_name.rsplit(".", 1)[-1] if "." in old_name else "bin"
                # A new name, the row moved to it, then the old file gone: never a moment
                # without a readable file.
                stored.save(f"{secrets.token_hex(16)}.{extension}", _content(plain), save=False)
                row.save(update_fields=[field.name])
                transaction.on_commit(partial(stored.storage.delete, old_name))
                done += 1
    return done


def _content(data: bytes) -> Any:
    from django.core.files.base import ContentFile

    return ContentFile(data)


def encrypt_existing(say: Say, batch: int = 500) -> int:
    """Seal every value and file still stored plain (written before encryption)."""
    total = 0
    for model, texts, files in encrypted_fields():
        if texts:
            match = Q()
            for f in texts:
                match |= ~Q(**{f"{f.attname}__startswith": crypto.TEXT_PREFIX}) & ~Q(
                    **{f.attname: ""}
                )
            total += _resave_texts(model, texts, match, batch)
        for file_field in files:
            rows = model._base_manager.exclude(**{file_field.attname: ""})
            total += _resave_files(model, file_field, rows, None, batch)
    say(f"sealed {total} row(s) stored plain")
    return total


def unit_rekey(unit_id: int, say: Say, batch: int = 500) -> str:
    """Move one unit's content to a new data key; the old keys go once nothing uses them."""
    with transaction.atomic():
        old = set(DataKey.objects.filter(unit_id=unit_id).values_list("key_id", flat=True))
        DataKey.objects.filter(unit_id=unit_id, retired__isnull=True).update(retired=timezone.now())
        keys.forget()
        new_id, _aead = keys._create(unit_id)
    keys.forget()
    moved = _move(unit_id, old, batch)
    say(f"unit {unit_id}: new data key {new_id}, {moved} value(s) and file(s) re-encrypted")
    return new_id


def _move(unit_id: int, old: set[str], batch: int) -> int:
    moved = 0
    for model, texts, files in encrypted_fields():
        if texts and old:
            match = Q()
            for f in texts:
                for key_id in old:
                    match |= Q(**{f"{f.attname}__startswith": f"{crypto.TEXT_PREFIX}{key_id}:"})
            moved += _resave_texts(model, texts, match, batch)
        for file_field in files:
            rows = model._base_manager.filter(**{_unit_lookup(file_field.unit): unit_id}).exclude(
                **{file_field.attname: ""}
            )
            moved += _resave_files(model, file_field, rows, old, batch)
    return moved


def unit_retired_purge(unit_id: int, say: Say, batch: int = 500) -> int:
    """A last sweep (values another process sealed under a cached old key), then delete the
    unit's retired keys: what they sealed is unreadable for good (crypto-shredding)."""
    retired = set(
        DataKey.objects.filter(unit_id=unit_id, retired__isnull=False).values_list(
            "key_id", flat=True
        )
    )
    moved = _move(unit_id, retired, batch)
    deleted, _by_model = DataKey.objects.filter(key_id__in=retired).delete()
    say(f"unit {unit_id}: {moved} late value(s) moved, {deleted} retired key wrap(s) deleted")
    return deleted
