"""Benchmark `check` on a large register against the raw read of the same file, side by side.

Each measurement runs in its own process (fresh imports, its own peak memory), one after
the other in one run, so the ratios compare like with like on this machine's current load.
Run it as `scripts/bench [ROWS]` (default 100,000 rows).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

AS_OF = datetime(2026, 11, 24, 9, 0)
OUT = Path("bench-out")


def build(rows: int, path: Path) -> None:
    """A register of `rows` demo-like cases, written the way Excel writes (shared strings)."""
    import xlsxwriter

    from toolkit.demo.data import demo_rows
    from toolkit.register import STAFF_COLUMNS

    sample = demo_rows(AS_OF)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_numbers": False})
    sheet = book.add_worksheet("投诉记录")
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for c, col in enumerate(STAFF_COLUMNS):
        sheet.write_string(0, c, col.zh)
    per_month: dict[str, int] = {}
    for i in range(rows):
        src = sample[i % len(sample)]
        for c, col in enumerate(STAFF_COLUMNS):
            value = src.get(col.key)
            if col.key == "case_id" and isinstance(src.get("received_at"), datetime):
                month = src["received_at"].strftime("%y%m")  # type: ignore[union-attr]
                per_month[month] = per_month.get(month, 0) + 1
                value = f"{month}-{per_month[month]:04d}"
            if col.key == "customer" and value:
                value = f"{value}{i // len(sample)}"  # distinct customers per copy
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(i + 1, c, value, date_fmt)
            elif isinstance(value, (int, float)):
                sheet.write_number(i + 1, c, value)
            else:
                sheet.write_string(i + 1, c, str(value))
    book.close()  # no rule sheets: the built-in defaults apply


def measure(kind: str, path: Path) -> dict[str, float]:
    start = time.perf_counter()
    if kind == "raw-read":
        import python_calamine

        book = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_name("投诉记录").to_python()
        assert len(rows) > 1
    elif kind == "read":
        from toolkit.sheets.reader import read_workbook

        read_workbook(path)
    elif kind == "rules":
        from toolkit.rules.engine import run_check
        from toolkit.sheets.reader import read_workbook

        data = read_workbook(path).data
        start = time.perf_counter()
        run_check(data, AS_OF)
    elif kind in ("check", "check-again", "check-dry-run"):
        from toolkit.jobs.check import check_workbook

        check_workbook(path, AS_OF, dry_run=kind == "check-dry-run")
    elif kind == "openpyxl-naive":
        import openpyxl

        wb = openpyxl.load_workbook(path)
        ws = wb["投诉记录"]
        first = ws.max_column + 1
        for r in range(2, ws.max_row + 1):
            for c in range(6):
                ws.cell(row=r, column=first + c, value=f"x{r}")
        wb.save(path)
    else:
        raise SystemExit(f"unknown measurement {kind}")
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_mb)}


def run(kind: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--measure", kind, str(path)],
                         check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], Path(sys.argv[3]))))
        return
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    OUT.mkdir(exist_ok=True)
    source = OUT / f"register-{rows}.xlsx"
    if not source.exists():
        print(f"building a {rows}-row register in {source} …", file=sys.stderr)
        build(rows, source)
    work = OUT / "work.xlsx"
    naive = OUT / "naive.xlsx"
    shutil.copy(source, work)
    shutil.copy(source, naive)
    results = {}
    for kind, path in (("raw-read", source), ("read", source), ("rules", source),
                       ("check-dry-run", source), ("check", work), ("check-again", work),
                       ("openpyxl-naive", naive)):
        results[kind] = run(kind, path)
        print(f"  {kind:<16}{results[kind]['seconds']:>8.2f} s {results[kind]['peak_mb']:>7} MB",
              file=sys.stderr)
    raw = results["raw-read"]["seconds"]
    print(f"\n{rows} rows, {source.stat().st_size / 1e6:.1f} MB ({datetime.now():%Y-%m-%d %H:%M})")
    print(f"{'measurement':<16}{'seconds':>9}{'× raw read':>12}{'peak MB':>9}")
    for kind, r in results.items():
        print(f"{kind:<16}{r['seconds']:>9.2f}{r['seconds'] / raw:>12.1f}{r['peak_mb']:>9}")
    ratio = results["openpyxl-naive"]["seconds"] / results["check"]["seconds"]
    print(f"check (read, rules, lossless write) is {ratio:.1f}× faster than openpyxl's naive "
          "load-modify-save of the same file, which also loses parts of the workbook")


if __name__ == "__main__":
    main()
