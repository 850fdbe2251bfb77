"""One row written with plain SQL, its values prepared before the transaction that writes it.

On SQLite a write transaction holds the database's only write lock from ``BEGIN IMMEDIATE`` to
the commit, and a second writer sleeps on the busy timeout meanwhile (1, 2, 5 … ms). The busiest
writes (an online submission, an audit entry) therefore do their CPU work first (encrypting
fields, serialising JSON) and keep the transaction for the ``INSERT`` statements themselves.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection, models

#: Columns whose field sends a ``str`` to the database unchanged (not their subclasses, such as
#: the encrypted field).
_PLAIN_TEXT = (models.CharField, models.TextField, models.SlugField)


@functools.cache
def _insert_sql(model: type[models.Model], vendor: str, returning: bool) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    ops = connection.ops
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not (field.primary_key and isinstance(field, models.AutoField)))
    for field in fields:
        if getattr(field, "generated", False) or field.db_default is not models.NOT_PROVIDED:
            raise ValueError(f"{meta.label}.{field.name}: 由数据库生成的字段不能用 PreparedRow 写入。")
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)  # nosec B608
        ops.quote_name(meta.db_table),
        ", ".join(ops.quote_name(str(field.column)) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    if returning:
        sql += f" RETURNING {ops.quote_name(str(meta.pk.column))}"  # type: ignore[union-attr]
    return sql, fields


class PreparedRow:
    """The ``INSERT`` of one new model instance, each value prepared by its field as ``save()``
    prepares it (``pre_save(obj, add=True)``, then ``get_db_prep_save``).

    :meth:`set` changes one value afterwards (a number known only inside the transaction);
    :meth:`insert` writes the row and gives the instance its primary key, as ``save()`` would.
    No signals are sent: use it for models without ``save()`` logic or receivers.
    """

    def __init__(self, obj: models.Model) -> None:
        for field in obj._meta.concrete_fields:
            # save() refuses an unsaved related object rather than write NULL: so does this.
            if isinstance(field, models.ForeignKey) and field.is_cached(obj):
                related = getattr(obj, field.name)
                if related is not None and related.pk is None:
                    raise ValueError(f"{obj._meta.label}.{field.name}: 关联对象尚未保存。")
        self.obj = obj
        self._returning = bool(connection.features.can_return_columns_from_insert)
        self.sql, self.fields = _insert_sql(type(obj), connection.vendor, self._returning)
        self.values = [self._prepare(field) for field in self.fields]
        self._position = {field.attname: index for index, field in enumerate(self.fields)}

    def _prepare(self, field: models.Field[Any, Any]) -> Any:
        value = field.pre_save(self.obj, add=True)
        if type(value) is str and type(field) in _PLAIN_TEXT:
            return value  # what get_db_prep_save makes of a str for a plain text column
        return field.get_db_prep_save(value, connection)

    def set(self, attname: str, value: Any) -> None:
        setattr(self.obj, attname, value)
        index = self._position[attname]
        self.values[index] = self._prepare(self.fields[index])

    def insert(self) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.values)
            # SQLite ≥ 3.35 and PostgreSQL both return it; lastrowid for an older SQLite.
            pk = cursor.fetchone()[0] if self._returning else cursor.lastrowid
        self.written(pk)
        return self.obj.pk

    def written(self, pk: Any) -> None:
        """The instance as ``save()`` leaves it: its new key (when the database gave it), saved."""
        if isinstance(self.obj._meta.pk, models.AutoField):
            self.obj.pk = pk
        self.obj._state.adding = False
        self.obj._state.db = connection.alias


def insert_all(rows: list[PreparedRow], *, match: str) -> None:
    """Writes prepared rows of one model with a single ``INSERT`` and gives each instance its
    primary key, as :meth:`PreparedRow.insert` does one by one.

    ``RETURNING`` promises no order of its rows, so each key is matched to its instance by
    ``match``, a column unique to each row. A database that cannot return columns from an
    ``INSERT`` gets one statement per row.
    """
    if not rows:
        return
    model = type(rows[0].obj)
    if any(type(row.obj) is not model for row in rows):
        raise ValueError("insert_all 只能一次写入同一模型的行。")
    if not rows[0]._returning or len(rows) == 1:
        for row in rows:
            row.insert()
        return
    meta = model._meta
    ops = connection.ops
    sql, fields = _insert_sql(model, connection.vendor, False)
    placeholders = "({})".format(", ".join(["%s"] * len(fields)))
    match_field = meta.get_field(match)
    if not isinstance(match_field, models.Field):
        raise ValueError(f"{meta.label}.{match}: 不是本表的列。")
    sql += ", " + ", ".join([placeholders] * (len(rows) - 1))
    sql += f" RETURNING {ops.quote_name(str(meta.pk.column))}, {ops.quote_name(str(match_field.column))}"  # type: ignore[union-attr]
    by_value = {row.values[row._position[match_field.attname]]: row for row in rows}
    if len(by_value) != len(rows):
        raise ValueError(f"{meta.label}.{match}: 各行的值必须互不相同。")
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row.values])
        returned = cursor.fetchall()
    for pk, value in returned:
        by_value[value].written(pk)
