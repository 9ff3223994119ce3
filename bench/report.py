"""Render a results JSON of bench.run as a Markdown section (for bench/RESULTS.md).

.venv/bin/python -m bench.report /tmp/fanxiu-bench/results-1000000-sqlite.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def markdown(report: dict[str, Any], title: str = "") -> str:
    m = report["machine"]
    store = report["store"]
    counts = store["counts"]
    lines = [
        f"### {title or report['date']}",
        "",
        f"- Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, {m['os']}; "
        f"Python {m['python']}, SQLite {m['sqlite']}, SQLAlchemy {m['sqlalchemy']}, "
        f"PySide6 {m['pyside6']}, reportlab {m['reportlab']}; load average before "
        f"{m.get('loadavg_before')}, after {m.get('loadavg_1_5_15')}.",
        f"- Code: commit {report.get('code', {}).get('commit', '?')} with "
        f"{report.get('code', {}).get('files_changed', '?')} files changed in the work tree.",
        f"- Store: {store['backend']}, {store['size_bytes'] / 2**30:.2f} GiB, "
        f"{counts.get('return_line', 0):,} lines, {counts.get('return_task', 0):,} tasks, "
        f"{counts.get('item', 0):,} items, {counts.get('document_check', 0):,} document checks, "
        f"{counts.get('audit_event', 0):,} audit events, {counts.get('kit_set', 0):,} kit sets; "
        f"built in {store['generated_in_s']:.0f} s.",
        "",
        "| operation | median ms | p95 ms | bare ms | ratio | target ms | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in report["results"]:
        value = _ms(r["median_ms"]) if r["judged_on"] == "median" else f"max {_ms(r['max_ms'])}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.1f}×"
        target = "" if r["target_ms"] is None else f"≤ {r['target_ms']:g}"
        verdict = {True: "pass", False: "**FAIL**", None: ""}[r["passed"]]
        lines.append(
            f"| {r['operation']} | {value} | {_ms(r['p95_ms'])} | {_ms(r['bare_median_ms'])} "
            f"| {ratio} | {target} | {verdict} |"
        )
    for name, error in report.get("errors", {}).items():
        lines.append(f"| {name} | failed: {error.splitlines()[0][:80]} | | | | | **FAIL** |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    report = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    print(markdown(report, args[1] if len(args) > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
