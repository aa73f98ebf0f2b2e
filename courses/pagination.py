"""Admin pagination for the big tables (enrollments, attendance, audit events, students).

In courses, the lowest app, so that every app's admin may use it (apps never import the project package, elite).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many rows an exact count is cheap enough to always take.
EXACT_BELOW = 50_000


class LargeTablePaginator(Paginator):
    """Counts an unfiltered queryset of a big PostgreSQL table from the planner's estimate instead of COUNT(*).

    COUNT(*) reads the whole table: on a million attendance rows it costs more than the rest of the page. An
    unfiltered admin list shows "about N" rows anyway; filtered lists (and every SQLite database) still count exactly.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is not None and not query.where and not query.distinct:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                table = query.model._meta.db_table
                # One statement either way, so that a page runs as many queries on a small school as on a big one:
                # the exact count (an InitPlan, run only when its branch is taken) below the threshold.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint "
                        f"ELSE (SELECT COUNT(*) FROM {connection.ops.quote_name(table)}) END "
                        "FROM pg_class WHERE oid = %s::regclass",
                        [EXACT_BELOW, table],
                    )
                    row = cursor.fetchone()
                if row is not None:
                    return int(row[0])
        return super().count
