"""`field__any_of=[...]`: membership in a list of keys, for the long lists the reports and rosters pass (the pks of
a thousand students behind on payments, a cohort's forty enrollments).

Django's `__in` writes one placeholder per value and prepares each value in Python: for 1,300 keys that is about a
third of the overdue payments report's CPU, spent before PostgreSQL sees the query. On PostgreSQL `any_of` sends the
list as one array parameter (`= ANY(%s::bigint[])`, written as text); elsewhere it is `IN (...)`, as `__in` would
write it. An empty list
matches nothing without a query, as `__in` does, so a page's query count does not depend on it.

Registered on every field and relation when CoursesConfig.ready() imports this module; the values are keys
(integers), passed as they are.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


@Field.register_lookup
@ForeignObject.register_lookup  # a relation's lookups are its own, not Field's
class AnyOf(Lookup):
    lookup_name = "any_of"
    # The list is one parameter, not a value of the field: it is not prepared item by item.
    prepare_rhs = False

    def get_db_prep_lookup(self, value: object, connection: object) -> tuple[str, list]:
        values = [int(v) for v in value]
        if not values:
            raise EmptyResultSet
        return "%s", [values]

    def as_sql(self, compiler: object, connection: object) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _rhs, [values] = self.process_rhs(compiler, connection)
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]

    def as_postgresql(self, compiler: object, connection: object) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _rhs, [values] = self.process_rhs(compiler, connection)
        # The array as one text literal cast to the column's type: the driver then sends a string, instead of
        # adapting (and checking for quotes) each of a thousand numbers; the values are integers (int() above).
        array_type = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, "{" + ",".join(map(str, values)) + "}"]
