"""Save each workbook of a folder with openpyxl and with the toolkit's writer; count what changed.

openpyxl loads and saves the file untouched; the toolkit's writer writes two cells into the
first sheet and adds a 校验报告 sheet, as `check` does.

docs/design.md quotes its output. Run: .venv/bin/python scripts/measure_openpyxl.py DIR
(the shared corpus of workbooks from Excel 2007-2016, Mac Excel, LibreOffice, WPS...).
"""

from __future__ import annotations

import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import openpyxl
import python_calamine

from toolkit.sheets import ColumnWrite, OwnedSheet, WorkbookEdit, save_edit


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if not n.endswith("/")}


def toolkit_save(path: Path, out: Path) -> None:
    out.write_bytes(path.read_bytes())
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    first = book.sheet_names[0]
    book.close()
    edit = WorkbookEdit(first, columns=[ColumnWrite(40, {1: "校验结果", 2: "=not a formula"})],
                        owned_sheets=[OwnedSheet("校验报告", [["行号", "说明"], [2, "x"]])])
    save_edit(out, edit, expected=None, backups=0)


def main() -> None:
    folder = Path(sys.argv[1])
    total_same = total_parts = total_lost = 0
    ours_same = ours_parts = ours_lost = 0
    for path in sorted(folder.glob("*.xls[xm]")):
        before = parts(path)
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = Path(tmp) / path.name
            try:
                wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
                wb.save(out)
            except Exception as e:  # noqa: BLE001 - a measurement: report and go on
                print(f"{path.name:<36} openpyxl failed: {type(e).__name__}")
                continue
            after = parts(out)
            mine = Path(tmp) / ("toolkit-" + path.name)
            try:
                toolkit_save(path, mine)
                ours = parts(mine)
                o_same = sum(1 for n, b in before.items() if ours.get(n) == b)
                o_lost = sum(1 for n in before if n not in ours)
                ours_same, ours_parts, ours_lost = (ours_same + o_same, ours_parts + len(before),
                                                    ours_lost + o_lost)
                mine_text = f"toolkit {o_same:>3}/{len(before):<3} identical, {o_lost} dropped"
            except Exception as e:  # noqa: BLE001
                mine_text = f"toolkit refused: {str(e)[:60]}"
        same = sum(1 for n, b in before.items() if after.get(n) == b)
        lost = sorted(n for n in before if n not in after)
        total_same += same
        total_parts += len(before)
        total_lost += len(lost)
        print(f"{path.name:<34} openpyxl {same:>3}/{len(before):<3} identical, {len(lost)} "
              f"dropped{', ' + str(len(w)) + ' warning(s)' if w else ''}; {mine_text}")
    print(f"openpyxl load+save: {total_same}/{total_parts} parts byte-identical, "
          f"{total_lost} dropped")
    print(f"toolkit writer (2 cells + a new sheet): {ours_same}/{ours_parts} parts "
          f"byte-identical, {ours_lost} dropped")


if __name__ == "__main__":
    main()
