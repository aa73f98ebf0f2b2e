"""Where a page's time goes: process CPU and wall time per request, and queries, for every page of the bench, in one
process (Django's test client against the bench's PostgreSQL database, DEBUG off, the page cache off).

    python bench/pages_profile.py                     # every page, demo data (elite_bench, built by `make bench`)
    python bench/pages_profile.py --scale             # the same on the 100k-student data (elite_bench_scale)
    python bench/pages_profile.py --only roster -n 50 --cprofile   # one page, with cProfile's top functions

CPU is `time.process_time()` (this process only: the database's own work shows in wall time, not CPU), so the
figures hold on a shared machine where wall-clock load numbers do not. A development tool, not part of `make bench`;
its method and findings are in bench/PROFILE.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", action="store_true")
    parser.add_argument("--database", help="another database name than the bench's")
    parser.add_argument("--only", action="append", default=[], help="pages whose label contains this (repeatable)")
    parser.add_argument("-n", type=int, default=20, help="requests per page")
    parser.add_argument("--cprofile", action="store_true", help="print cProfile's top functions for each page")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--callers", action="append", default=[], help="with --cprofile: who calls these functions")
    parser.add_argument(
        "--layers", action="store_true", help="the share of own time spent in each layer of the stack (cProfile)"
    )
    parser.add_argument(
        "--explain", type=float, metavar="MS", help="EXPLAIN ANALYZE each query; print those slower than MS"
    )
    parser.add_argument("--sql", action="store_true", help="print each page's queries")
    args = parser.parse_args()
    args.cprofile = args.cprofile or args.layers

    database = args.database or ("elite_bench_scale" if args.scale else "elite_bench")
    os.environ.update(
        {
            "DATABASE_URL": f"{PG}/{database}",
            "DJANGO_SECRET_KEY": "profile-" + "x" * 50 + "abcdefgh",
            "DJANGO_DEBUG": "0",
            "DJANGO_HTTPS": "0",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "ELITE_BENCH": "1",
            "ELITE_PAGE_CACHE_SECONDS": "0",
            "ELITE_VERIFY_RATE_LIMIT": "0",
            "DJANGO_LOG_LEVEL": "ERROR",
            "DJANGO_SETTINGS_MODULE": "elite.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from run import prepare_fixtures

    pages = prepare_fixtures()["pages"]
    if args.only:
        pages = [p for p in pages if any(word in p[0] for word in args.only)]
    print(f"data: {database}   requests per page: {args.n}")
    print(f"{'page':<40}{'queries':>8}{'cpu ms':>9}{'wall ms':>9}{'db ms':>8}")
    for label, path, cookie in pages:
        client = Client()
        if cookie:
            name, value = cookie.split("=", 1)
            client.cookies[name] = value
        for _ in range(3):  # warm: templates, sessions, connection
            response = client.get(path)
        if response.status_code != 200:
            print(f"{label:<40} answered {response.status_code}")
            continue
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        # Read now: the next request's start clears the connection's query log.
        captured = list(queries.captured_queries)
        db_ms = sum(float(q["time"]) for q in captured) * 1000
        cpu, wall = [], []
        profiler = cProfile.Profile(time.process_time) if args.cprofile else None
        for _ in range(args.n):
            c0, w0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            client.get(path)
            if profiler:
                profiler.disable()
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        print(
            f"{label:<40}{len(captured):>8}{statistics.median(cpu):>9.1f}{statistics.median(wall):>9.1f}{db_ms:>8.1f}",
            flush=True,
        )
        if args.explain is not None:
            for q in captured:
                if not q["sql"].lstrip().upper().startswith("SELECT"):
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + q["sql"])
                    plan = cursor.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
                if plan["Execution Time"] >= args.explain:
                    print(
                        f"    {plan['Execution Time']:8.2f} ms  {q['sql'][: int(os.environ.get('SQL_CHARS', '400'))]}"
                    )
        if args.sql:
            for q in captured:
                print(f"    {float(q['time']) * 1000:7.2f} ms  {q['sql'][:300]}")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
            print(out.getvalue())
            if args.layers:
                print(layers(pstats.Stats(profiler)))
            for name in args.callers:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_callers(name)
                print(out.getvalue())


# Where a function's own time is counted, by the first of these its file's path contains.
LAYERS = [
    ("ORM: building and compiling queries", "django/db/models"),
    ("database driver", "psycopg"),
    ("database connection", "django/db"),
    ("templates", "django/template"),
    ("admin", "django/contrib/admin"),
    ("forms", "django/forms"),
    ("translation", "django/utils/translation"),
    ("escaping, formatting, dates", "django/utils"),
    ("URLs", "django/urls"),
    ("Django, other", "django/"),
    ("our code", str(ROOT)),
]


def layers(stats: pstats.Stats) -> str:
    """Own time (not cumulative) summed per layer: what a page's CPU is spent on, in shares that add up to 100%.
    Built-ins and the standard library (getattr, isinstance, copy) count for the layer of whoever called them."""

    def layer_of(filename: str) -> str | None:
        if "/.venv/" not in filename and str(ROOT) in filename:
            return "our code"
        return next((label for label, part in LAYERS if part in filename and part != str(ROOT)), None)

    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, callers) in stats.stats.items():
        layer = layer_of(filename)
        if layer is not None or not callers:
            shares = {layer or "Python and other libraries": own}
        else:  # by the callers' layers, in proportion to the time each call took
            shares = {}
            for (caller_file, _l, _n), timing in callers.items():
                caller_layer = layer_of(caller_file) or "Python and other libraries"
                shares[caller_layer] = shares.get(caller_layer, 0.0) + timing[2]
        for label, seconds in shares.items():
            totals[label] = totals.get(label, 0.0) + seconds
    whole = sum(totals.values()) or 1.0
    return "\n".join(
        f"    {label:<40}{share / whole:>6.0%}" for label, share in sorted(totals.items(), key=lambda item: -item[1])
    )


if __name__ == "__main__":
    main()
