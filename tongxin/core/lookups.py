"""``field__prefix=value``: a subtree query that every database answers from an index.

Materialised paths make "everything under this place" a prefix match. Django's ``startswith``
compiles to ``LIKE 'x%' ESCAPE '\\'``, which SQLite cannot answer from an index (its LIKE is
case-insensitive) and PostgreSQL answers from an index only with a ``*_pattern_ops`` operator
class. ``prefix`` compiles to a half-open range on SQLite (byte order, so exact for our
alphabet) and to ``LIKE`` on PostgreSQL, where the path columns carry a pattern-ops index.
"""

from __future__ import annotations

from django.db.models import CharField, Lookup

# Above every character a path or code may contain (paths are 0-9A-Z, codes ASCII).
_UPPER_SENTINEL = "\U0010ffff"


@CharField.register_lookup
class PrefixLookup(Lookup):
    lookup_name = "prefix"

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = str(self.rhs)
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]

    def as_sqlite(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = str(self.rhs)
        return (
            f"({lhs} >= %s AND {lhs} < %s)",
            [*lhs_params, value, *lhs_params, value + _UPPER_SENTINEL],
        )

    def get_db_prep_lookup(self, value, connection):  # type: ignore[no-untyped-def]
        return ("%s", [value])
