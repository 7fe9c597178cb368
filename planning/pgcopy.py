"""PostgreSQL binary COPY for the recompute's bulk read and bulk write.

The binary COPY format is a header, then per row a 16-bit field count and, per field, a 32-bit
length followed by the value in network byte order.  When every field has a fixed width the
whole stream is one numpy structured array, so 240,000 rows move with no per-row Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from django.db import connection

COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
HEADER = COPY_SIGNATURE + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
POSTGRES_EPOCH_DAYS = 10957  # 2000-01-01 minus 1970-01-01


def copy_out_int_rows(
    sql: str, params: Sequence[object], column_count: int
) -> npt.NDArray[np.int64]:
    """Run ``sql`` (every column a non-null bigint) and return its rows as an int64 matrix."""
    with connection.cursor() as cursor:
        raw_cursor = cursor.cursor  # psycopg's own (client-side binding) cursor
        buffer = bytearray()
        with raw_cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", params) as copy:
            for chunk in copy:
                buffer += chunk
    body = memoryview(buffer)[len(HEADER) : len(buffer) - len(TRAILER)]
    row_dtype = np.dtype(
        [("count", ">i2")] + [item for i in range(column_count) for item in _bigint_field(i)]
    )
    records = np.frombuffer(body, dtype=row_dtype)
    matrix = np.empty((len(records), column_count), dtype=np.int64)
    for i in range(column_count):
        matrix[:, i] = records[f"v{i}"]
    return matrix


def _bigint_field(index: int) -> list[tuple[str, str]]:
    return [(f"len{index}", ">i4"), (f"v{index}", ">i8")]


# Field kinds for building binary rows: numpy big-endian type of the value.
FIELD_TYPES = {"int8": ">i8", "int4": ">i4", "int2": ">i2", "float8": ">f8", "bool": "?"}


def binary_copy_payload(
    columns: Sequence[tuple[str, str, npt.NDArray[np.generic]]],
    null_mask: dict[str, npt.NDArray[np.bool_]] | None = None,
) -> bytes:
    """The binary COPY stream for ``columns`` (name, kind, values), rows in array order.

    ``null_mask`` marks, per column name, the rows where that column is NULL.  Rows are grouped
    by which columns are NULL so each group has one fixed layout; COPY does not care about order.
    """
    null_mask = null_mask or {}
    row_count = len(columns[0][2]) if columns else 0
    if row_count == 0:
        return HEADER + TRAILER
    nullable = [name for name, _kind, _values in columns if name in null_mask]
    pattern = np.zeros(row_count, dtype=np.int64)
    for bit, name in enumerate(nullable):
        pattern |= null_mask[name].astype(np.int64) << bit
    parts = [HEADER]
    for value in np.unique(pattern):
        rows = np.flatnonzero(pattern == value)
        nulls = {name for bit, name in enumerate(nullable) if value >> bit & 1}
        parts.append(_fixed_layout_rows(columns, rows, nulls))
    parts.append(TRAILER)
    return b"".join(parts)


def _fixed_layout_rows(
    columns: Sequence[tuple[str, str, npt.NDArray[np.generic]]],
    rows: npt.NDArray[np.intp],
    nulls: set[str],
) -> bytes:
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for name, kind, _values in columns:
        fields.append((f"len_{name}", ">i4"))
        if name not in nulls:
            fields.append((name, FIELD_TYPES[kind]))
    records = np.empty(len(rows), dtype=np.dtype(fields))
    records["count"] = len(columns)
    for name, kind, values in columns:
        if name in nulls:
            records[f"len_{name}"] = -1
        else:
            records[f"len_{name}"] = np.dtype(FIELD_TYPES[kind]).itemsize
            records[name] = values[rows]
    return records.tobytes()


def copy_in(table: str, column_names: Sequence[str], payload: bytes) -> None:
    """COPY a binary payload into ``table`` on the current connection and transaction."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} ({', '.join(column_names)}) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(payload)


def month_index_to_pg_date(month_indexes: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """year*12+month-1 -> PostgreSQL's binary date (days since 2000-01-01)."""
    months = (month_indexes - 1970 * 12).astype("datetime64[M]")
    days = months.astype("datetime64[D]").astype(np.int64) - POSTGRES_EPOCH_DAYS
    return days.astype(np.int32)
