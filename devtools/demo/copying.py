"""PostgreSQL COPY plumbing for the benchmark generator.

A `CopyTable` is told which columns each row supplies; every other column of the model gets
its Django default once, up front, as a constant tail of each line. So a column another
engineer adds later (with a default) does not break the generator. Generated columns (the
search columns) are left out: PostgreSQL computes them during the COPY.
"""

import io
import json
from collections.abc import Iterable
from datetime import datetime

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import JSONField, Model

NULL = r"\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """Escape a string for COPY's text format."""
    return value.translate(_ESCAPES)


def copy_array(values: list[str]) -> str:
    """A PostgreSQL array literal of simple strings (phones, e-mail addresses)."""
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def copy_field_value(field, value) -> str:
    if value is None:
        return NULL
    if isinstance(field, JSONField):
        return copy_text(json.dumps(value, ensure_ascii=False))
    if isinstance(field, ArrayField):
        return copy_array(list(value))
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return copy_text(str(value))


class CopyTable:
    def __init__(self, model: type[Model], columns: list[str], constants: dict | None = None):
        self.model = model
        self.columns = columns
        constants = constants or {}
        fields = model._meta.concrete_fields
        known = {f.attname for f in fields}
        unknown = (set(columns) | set(constants)) - known
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        tail_names, tail_values = [], []
        for field in fields:
            if field.attname in columns or (field.primary_key and field.attname not in constants):
                continue  # supplied per row, or left to the identity column
            if field.generated:
                continue  # PostgreSQL computes it (a stored generated column refuses values)
            # Django's default: the declared one, else "" for text columns, else None.
            value = constants[field.attname] if field.attname in constants else field.get_default()
            if value is None and not field.null:
                raise ValueError(f"{model.__name__}.{field.attname} needs a value")
            tail_names.append(field.column)
            tail_values.append(copy_field_value(field, value))
        by_attname = {f.attname: f.column for f in fields}
        names = [by_attname[c] for c in columns] + tail_names
        self.tail = "".join("\t" + value for value in tail_values)
        self.sql = 'COPY "{}" ({}) FROM STDIN'.format(
            model._meta.db_table, ", ".join(f'"{name}"' for name in names)
        )

    def copy(self, lines: Iterable[str]) -> int:
        """COPY rows given as tab-joined, already escaped supplied columns."""
        buffer = io.StringIO()
        tail = self.tail + "\n"
        count = 0
        for line in lines:
            buffer.write(line)
            buffer.write(tail)
            count += 1
        if count:
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_expert(self.sql, buffer)
        return count


def ids_reserve(*, model: type[Model], count: int) -> list[int]:
    """Draw `count` ids from the table's identity sequence, safe beside concurrent inserts."""
    if count <= 0:
        return []
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk, count],
        )
        return [row[0] for row in cursor.fetchall()]
