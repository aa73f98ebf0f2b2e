"""The bench's verdict on issue 16's targets (bench/run.py check_targets): floors, the scale comparison, and the rows
a list shows at each size printed beside a miss."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    return module


def _page(label, ratio, queries=3, rows=None):
    return {"page": label, "ratio": ratio, "queries": queries, "rows": rows}


def test_floors_and_the_scale_comparison(bench, tmp_path):
    demo = {
        "data": "demo",
        "pages": [
            _page("hello-world", 1.0, 0),
            _page("status page", 0.12, 16),
            _page("roster (40 students)", 0.01, 23),
            _page("admin: certificates", 0.04, 4, rows=6),
            _page("verify page", 0.11, 1),
        ],
    }
    assert "(no scale.json yet" in "\n".join(bench.check_targets(demo))
    scale = {
        "data": "scale",
        "pages": [
            _page("hello-world", 1.0, 0),
            _page("status page", 0.10, 16),
            _page("roster (40 students)", 0.01, 24),
            _page("admin: certificates", 0.01, 4, rows=100),
            _page("verify page", 0.11, 1),
        ],
    }
    (tmp_path / "scale.json").write_text(json.dumps(scale))
    lines = bench.check_targets(demo)
    assert "  ok   status page: ratio 0.120 (at least 0.1)" in lines
    assert "  MISS roster (40 students): ratio 0.010 (at least 0.05)" in lines
    assert any(line.startswith("  ok   status page: scale 1.20x") for line in lines)
    # Same speed but one query more at scale: a miss.
    assert any(
        line.startswith("  MISS roster (40 students): scale 1.00x") and "queries 23 / 24" in line for line in lines
    )
    assert any(
        line.startswith("  MISS admin: certificates: scale 4.00x") and line.endswith("rows listed 6 / 100")
        for line in lines
    )
    assert any(line.startswith("  ok   verify page") and "rows" not in line for line in lines)


def test_rows_are_counted_for_lists_only(bench):
    class Changelist:
        result_list = [1, 2, 3]

    assert bench.listed_rows({"cl": Changelist()}) == 3
    assert bench.listed_rows({"rows": [{}, {}]}) == 2
    assert bench.listed_rows({"enrollment": object()}) is None
    assert bench.listed_rows({}) is None


def test_a_floor_line_gives_the_pages_reads_replayed_alone(bench):
    demo = {
        "data": "demo",
        "pages": [_page("hello-world", 1.0, 0), _page("status page", 0.02, 16)],
        "replays": {"status page": {"reads": 16, "rps": 240.0, "ratio": 0.093}},
    }
    lines = bench.check_targets(demo)
    assert (
        "  MISS status page: ratio 0.020 (at least 0.1); its 16 reads alone, replayed without the ORM or a "
        "template: 0.093"
    ) in lines
    # A run from before the replays (or one that skipped them) keeps the plain line.
    assert "  MISS status page: ratio 0.020 (at least 0.1)" in bench.check_targets({**demo, "replays": {}})


def test_replay_files_are_named_for_the_servers_url(bench, tmp_path):
    assert bench.replay_name("roster (40 students)") == "roster-40-students"
    assert bench.replay_name("admin: cohorts") == "admin-cohorts"
    assert bench.write_replay("status page", ["SELECT 1"]) == "/bench/replay/status-page"
    assert json.loads((tmp_path / "replay" / "status-page.json").read_text()) == ["SELECT 1"]


@pytest.mark.django_db
def test_the_replay_view_runs_each_statement_as_sent(rf, settings, tmp_path, django_assert_num_queries):
    from django.http import Http404

    from courses.models import Course
    from elite.views import replay

    settings.BENCH_REPLAY_DIR = tmp_path
    table = Course._meta.db_table
    statements = ["SELECT 1", f"SELECT COUNT(*) FROM {table} WHERE title LIKE '%%EMT%'"]
    (tmp_path / "a-page.json").write_text(json.dumps(statements))
    with django_assert_num_queries(2) as captured:
        response = replay(rf.get("/bench/replay/a-page"), "a-page")
    assert response.status_code == 200
    assert response.content == b"2 statements"
    # Sent as written: a percent sign in a LIKE is not taken for a placeholder.
    assert [query["sql"] for query in captured.captured_queries] == statements
    with pytest.raises(Http404):
        replay(rf.get("/bench/replay/no-such-page"), "no-such-page")


@pytest.mark.django_db
def test_the_bench_endpoints_are_not_served_outside_the_bench(client, settings, tmp_path):
    settings.BENCH_REPLAY_DIR = tmp_path
    (tmp_path / "status-page.json").write_text(json.dumps(["SELECT 1"]))
    assert client.get("/bench/replay/status-page").status_code == 404
    assert client.get("/bench/hello").status_code == 404
