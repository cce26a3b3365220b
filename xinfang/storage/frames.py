"""A query's rows as one pandas frame, read and converted in parts.

Rows arrive as Python objects (a row, its dates, its strings: about a kilobyte a case). Built into a
frame all at once, the 100,000 cases of a large mine were ~100 MB of such objects alive together, and
the process kept that memory after they were freed (CPython's allocator keeps its arenas): a dashboard
kernel that read its data from the database stood at 377 MB, one that read the same frames from the
cache at 215 MB. Here the rows are fetched ``CHUNK_ROWS`` at a time, and each part is converted
(``prepare``: dates to datetime64 and the like) and its repeated strings made categories before the
next part is fetched, so only one part's objects are alive at a time (the kernel that reads from the
database: 265 MB, benchmarks/dashboard_serving.py at 100,000 cases).

``pandas.read_sql(chunksize=…)`` reads in parts too, but wraps database errors in its own exception
(the workbook's Chinese messages are made from SQLAlchemy's) and builds each part from SQLAlchemy rows,
which pandas probes one by one for namedtuple fields (0.4 s more at 100,000 cases); this reads the
parts with SQLAlchemy's ``partitions`` and builds them from plain tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

CHUNK_ROWS = 20_000


def read_frame(session, query, *, prepare: Callable | None = None, categories: Iterable[str] = (),
               chunk_rows: int | None = None):
    """The rows of ``query`` (a SQLAlchemy select run in ``session``'s transaction) as a DataFrame.

    ``prepare(part)`` converts each part and returns it (it must not depend on other parts);
    ``categories`` are made categorical, with their categories sorted, as ``astype("category")`` on the
    whole column would. ``chunk_rows``: rows a part (default ``CHUNK_ROWS``)."""
    import pandas as pd

    categories = tuple(categories)
    result = session.connection().execute(query)  # SQLAlchemy errors: the session translates them
    columns = list(result.keys())
    parts = []
    for rows in result.partitions(chunk_rows or CHUNK_ROWS):
        parts.append(_part(pd.DataFrame(list(map(tuple, rows)), columns=columns), prepare, categories))
    if not parts:
        parts.append(_part(pd.DataFrame.from_records([], columns=columns), prepare, categories))
    if len(parts) == 1:
        return parts[0]
    # A column can be typed differently in two parts (all None in one: object; numbers in another:
    # float64), and parts' categories differ: concat gives such columns as objects (one object per
    # distinct category), typed again over the whole column as a one-piece read would type it.
    frame = pd.concat(parts, ignore_index=True).infer_objects()
    del parts
    for col in categories:
        frame[col] = frame[col].astype("category")
    return frame


def _part(part, prepare: Callable | None, categories: tuple[str, ...]):
    if prepare is not None:
        part = prepare(part)
    for col in categories:
        part[col] = part[col].astype("category")
    return part


__all__ = ["CHUNK_ROWS", "read_frame"]
