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
