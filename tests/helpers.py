"""Test builders shared by the whole suite: small registers and the "every feature" register.

The every-feature register is what the lossless writer is tested against.

XlsxWriter makes the base workbook; the parts only Excel writes (the x14 cross-sheet drop-down,
the Excel 2010+ `<controls>` entry of the button with its ctrlProp part, chart style parts,
a calculation chain, revision ids) are injected into the XML the way Excel stores them.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine as calamine
import xlsxwriter

from toolkit.register import BY_KEY, CAPA_KEYS, STAFF_COLUMNS, CellValue

# --- small registers built with openpyxl (brand-new files only) ---------------------------

BASE_HEADERS = ("case_id", "received_at", "receiver", "customer", "phone", "category",
                "severity", "description", "status")


def good_row(**overrides: CellValue) -> dict[str, CellValue]:
    """A valid open 服务过程 complaint; override any column by key."""
    row: dict[str, CellValue] = {
        "case_id": "2611-0001",
        "received_at": datetime(2026, 11, 3, 9, 30),
        "receiver": "王丽",
        "customer": "杭州顺达汽车销售服务有限公司",
        "phone": "13800138000",
        "category": "服务过程",
        "severity": "一般",
        "description": "售后人员上门服务态度差，未按约定时间到达",
        "status": "处理中",
    }
    row.update(overrides)
    return row


def make_register(
    path: Path,
    rows: Sequence[Mapping[str, CellValue]] = (),
    *,
    keys: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    sheet: str = "投诉记录",
    english: bool = False,
    extra_sheets: Mapping[str, Sequence[Sequence[CellValue]]] = {},
) -> Path:
    """A register with the given column keys (default: the required ones plus any key used in
    rows), Chinese headers unless english or explicit headers, and optional extra sheets."""
    if keys is None:
        keys = list(BASE_HEADERS)
        for r in rows:
            keys += [k for k in r if k not in keys]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(headers) if headers else
              [BY_KEY[k].en if english else BY_KEY[k].zh for k in keys])
    for r in rows:
        ws.append([r.get(k) for k in keys])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # staff typed text that looks like a formula
    for name, sheet_rows in extra_sheets.items():
        other = wb.create_sheet(name)
        for sr in sheet_rows:
            other.append(list(sr))
    wb.save(path)
    return path


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    """A sheet's rows as python-calamine, an independent reader, sees them."""
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        book.close()


# --- the every-feature register ------------------------------------------------------------

REGISTER = "投诉记录"
DEPARTMENTS = ("客服部", "质量部", "技术部", "财务部")
# The every-feature register is one from before the corrective-action columns (docs/capa.md):
# its column letters stay put.
FEATURED_COLUMNS = tuple(c for c in STAFF_COLUMNS if c.key not in CAPA_KEYS)
# Column letters of the fixture register (staff columns A..AE, then a staff 备注 column).
EXTRA_COLUMN = "AF"
FIRST_FREE_COLUMN = 33  # AG: where the toolkit appends its columns
STATUS_COLUMN = "AE"
DEPT_COLUMN = "V"
COMPENSATION_COLUMN = "Z"

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
NS_XM = "http://schemas.microsoft.com/office/excel/2006/main"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
REL_CTRLPROP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/ctrlProp"
REL_CHARTSTYLE = "http://schemas.microsoft.com/office/2011/relationships/chartStyle"
REL_CHARTCOLORS = "http://schemas.microsoft.com/office/2011/relationships/chartColorStyle"
REL_CALCCHAIN = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"

X14_DV_URI = "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"
X14_CF_URI = "{78C0D931-6437-407d-A8EE-F0AAD7539E65}"

# Stands in for the VBA project: the writer must carry it byte for byte, whatever it holds.
FAKE_VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16


def tiny_png() -> bytes:
    """A valid 2x2 PNG, made without Pillow."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\x00" + b"\xff\x00\x00\x00\x80\xff" for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def register_row(i: int) -> list[object]:
    """Staff values for data row i (1-based), in FEATURED_COLUMNS order; some blanks to fill."""
    received = datetime(2026, 11, 1, 9, 30) + timedelta(hours=7 * i)
    values: dict[str, object] = {
        "case_id": f"2611-{i:04d}" if i % 5 else None,  # every 5th blank: the toolkit fills it
        "received_at": received,
        "channel": "电话",
        "receiver": "王芳",
        "customer": f"客户{i % 7}",
        "contact": "李雷",
        "phone": "13800138000",
        "email": "kehu@example.com",
        "customer_type": "经销商",
        "region": "国内",
        "category": "产品质量",
        "severity": "一般",
        "description": f"=产品开裂 {i}" if i == 3 else f"产品外壳开裂，第{i}批",
        "product": "A型泵",
        "batch": f"B{i:03d}",
        "quantity": i,
        "delivered_on": date(2026, 10, 28),
        "evidence": "photo.jpg",
        "department": None if i % 4 == 0 else "质量部",
        "status": "已结案" if i % 6 == 0 else "处理中",
    }
    return [values.get(c.key) for c in FEATURED_COLUMNS]


def build_every_feature_register(path: Path, *, rows: int = 12, table: bool = False,
                   report_sheet: bool = False) -> Path:
    """Write the every-feature register to `path` (.xlsm gets the VBA project and button
    macro). `table=True` formats the register as an Excel table instead of an autofilter;
    `report_sheet=True` adds an old 校验报告 sheet as a previous run would have left it."""
    macro = path.suffix.lower() == ".xlsm"
    wb = xlsxwriter.Workbook(str(path))
    wb.set_vba_name("ThisWorkbook")
    ws = wb.add_worksheet(REGISTER)
    ws.set_vba_name("Sheet1")
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    money = wb.add_format({"num_format": "#,##0.00"})
    headers = [c.zh for c in FEATURED_COLUMNS] + ["备注"]
    last = rows + 1
    for col, c in enumerate(FEATURED_COLUMNS):
        ws.set_column(col, col, c.width)
    ws.set_column(len(FEATURED_COLUMNS), len(FEATURED_COLUMNS), 20)
    ws.set_row(0, 20)
    ws.write_row(0, 0, headers, header)
    for i in range(1, rows + 1):
        for col, value in enumerate(register_row(i)):
            if value is None:
                continue
            if isinstance(value, datetime):
                ws.write_datetime(i, col, value, when)
            elif isinstance(value, date):
                ws.write_datetime(i, col, datetime(value.year, value.month, value.day), day)
            elif isinstance(value, str):
                ws.write_string(i, col, value)
            else:
                ws.write_number(i, col, value)
        ws.write_formula(i, 25, f"=R{i + 1}*10", money, i * 10)  # 赔偿金额, a staff formula
        ws.write_string(i, len(FEATURED_COLUMNS), f"备注{i}")
    ws.write_url(1, 19, "https://example.com/evidence/photo.jpg", string="photo.jpg")
    ws.freeze_panes(1, 0)
    if table:
        ws.add_table(0, 0, last - 1, len(headers) - 1, {
            "name": "投诉台账", "style": "Table Style Light 9",
            "columns": [{"header": h} for h in headers],
        })
    else:
        ws.autofilter(0, 0, last - 1, len(headers) - 1)
    ws.data_validation(f"{STATUS_COLUMN}2:{STATUS_COLUMN}1048576", {
        "validate": "list", "source": ["新建", "处理中", "待回访", "已结案", "无法解决"]})
    ws.conditional_format(f"{STATUS_COLUMN}2:{STATUS_COLUMN}{last}", {
        "type": "formula", "criteria": f'=${STATUS_COLUMN}2="已结案"',
        "format": wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})})
    ws.conditional_format(f"{COMPENSATION_COLUMN}2:{COMPENSATION_COLUMN}{last}", {
        "type": "data_bar", "data_bar_2010": True})
    ws.write_comment("A1", "投诉编号：YYMM-NNNN，留空由工具填写", {"author": "质量经理"})
    ws.insert_button("AN1", {"macro": "Validate" if macro else "", "caption": "校验",
                             "width": 80, "height": 30})
    ws.insert_image("AN4", "logo.png", {"image_data": io.BytesIO(tiny_png())})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "赔偿金额",
                      "values": f"='{REGISTER}'!${COMPENSATION_COLUMN}$2:"
                                f"${COMPENSATION_COLUMN}${last}"})
    ws.insert_chart("AN8", chart)

    dept = wb.add_worksheet("部门")
    dept.set_vba_name("Sheet2")
    dept.add_table(0, 0, len(DEPARTMENTS), 3, {
        "name": "部门表",
        "columns": [{"header": h} for h in ("部门名称", "负责人", "邮箱", "接收升级")],
        "data": [[d, f"经理{i}", f"m{i}@example.com", "否"] for i, d in enumerate(DEPARTMENTS)],
    })
    settings = wb.add_worksheet("设置")
    settings.set_vba_name("Sheet3")
    settings.write_row(0, 0, ["项目", "值"], header)
    settings.write_row(1, 0, ["公司名称", "某某有限公司"])
    settings.write_row(2, 0, ["截止时间", "16:30"])
    if report_sheet:
        report = wb.add_worksheet("校验报告")
        report.set_vba_name("Sheet4")
        report.write_row(0, 0, ["行号", "说明"])
        for r in range(1, 30):
            report.write_row(r, 0, [r, f"旧的问题 {r}"])
    wb.define_name("部门列表", f"=部门!$A$2:$A${len(DEPARTMENTS) + 1}")
    wb.define_name("设置!公司", "=设置!$B$2")
    if macro:
        wb.add_vba_project(io.BytesIO(FAKE_VBA), is_stream=True)
    wb.close()
    _add_excel_parts(path, last)
    return path


def _add_excel_parts(path: Path, last: int) -> None:
    """Inject what Excel writes and XlsxWriter cannot."""
    parts = read_parts(path)
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    # Namespaces and revision ids on the root, as Excel 2016+ writes them.
    sheet = sheet.replace(
        'mc:Ignorable="x14ac"',
        f'xmlns:xdr="{NS_XDR}" xmlns:x14="{NS_X14}" xmlns:xr="{NS_XR}" '
        'mc:Ignorable="x14ac xr" xr:uid="{00000000-0001-0000-0000-000000000000}"', 1)
    # The cross-sheet drop-down: Excel keeps a list whose source is another sheet in x14.
    x14_dv = (
        f'<ext uri="{X14_DV_URI}" xmlns:x14="{NS_X14}">'
        f'<x14:dataValidations count="1" xmlns:xm="{NS_XM}">'
        '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" '
        'showErrorMessage="1"><x14:formula1><xm:f>部门!$A$2:$A$5</xm:f></x14:formula1>'
        f'<xm:sqref>{DEPT_COLUMN}2:{DEPT_COLUMN}1048576</xm:sqref></x14:dataValidation>'
        '</x14:dataValidations></ext>')
    assert sheet.endswith("</ext></extLst></worksheet>")
    sheet = sheet[: -len("</extLst></worksheet>")] + x14_dv + "</extLst></worksheet>"
    # The button as Excel 2010+ stores it: a <controls> entry pointing at a ctrlProp part,
    # beside the legacy VML shape (id 1025) that older versions draw.
    rels_name = "xl/worksheets/_rels/sheet1.xml.rels"
    rels = parts[rels_name].decode()
    rel_id = f"rId{rels.count('<Relationship ') + 1}"
    rels = rels.replace("</Relationships>", f'<Relationship Id="{rel_id}" Type="{REL_CTRLPROP}" '
                        'Target="../ctrlProps/ctrlProp1.xml"/></Relationships>')
    parts[rels_name] = rels.encode()
    controls = (
        f'<mc:AlternateContent xmlns:mc="{NS_MC}"><mc:Choice Requires="x14"><controls>'
        f'<mc:AlternateContent xmlns:mc="{NS_MC}"><mc:Choice Requires="x14">'
        f'<control shapeId="1025" r:id="{rel_id}" name="Button 1"><controlPr defaultSize="0" '
        'print="0" autoFill="0" autoPict="0" macro="[0]!Validate"><anchor moveWithCells="1" '
        'sizeWithCells="1"><from><xdr:col>39</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>0'
        '</xdr:row><xdr:rowOff>0</xdr:rowOff></from><to><xdr:col>40</xdr:col><xdr:colOff>'
        '304800</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>190500</xdr:rowOff></to></anchor>'
        '</controlPr></control></mc:Choice></mc:AlternateContent></controls></mc:Choice>'
        '</mc:AlternateContent>')
    sheet = re.sub(r'(<legacyDrawing r:id="rId\d+"/>)', lambda m: m.group(1) + controls, sheet)
    assert "<controls>" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    parts["xl/ctrlProps/ctrlProp1.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<formControlPr xmlns="{NS_X14}" objectType="Button" lockText="1"/>').encode()
    # Chart style and colour parts (Excel 2013+), which openpyxl drops.
    parts["xl/charts/_rels/chart1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId2" Type="{REL_CHARTCOLORS}" Target="colors1.xml"/>'
        f'<Relationship Id="rId1" Type="{REL_CHARTSTYLE}" Target="style1.xml"/>'
        '</Relationships>').encode()
    parts["xl/charts/style1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<cs:chartStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" '
        b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" id="201">'
        b'<cs:axisTitle><cs:lnRef idx="0"/><cs:fillRef idx="0"/><cs:effectRef idx="0"/>'
        b'<cs:fontRef idx="minor"><a:schemeClr val="tx1"/></cs:fontRef></cs:axisTitle>'
        b'</cs:chartStyle>')
    parts["xl/charts/colors1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<cs:colorStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" '
        b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" meth="cycle" id="10">'
        b'<a:schemeClr val="accent1"/><a:schemeClr val="accent2"/><cs:variation/>'
        b'</cs:colorStyle>')
    # A calculation chain for the staff formulas, as Excel keeps one.
    chain = "".join(f'<c r="{COMPENSATION_COLUMN}{r}" i="1"/>' if r == 2 else
                    f'<c r="{COMPENSATION_COLUMN}{r}"/>' for r in range(2, last + 1))
    parts["xl/calcChain.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<calcChain xmlns="{NS_MAIN}">{chain}</calcChain>').encode()
    wb_rels = parts["xl/_rels/workbook.xml.rels"].decode()
    wb_rels = wb_rels.replace("</Relationships>", f'<Relationship Id="rId99" '
                              f'Type="{REL_CALCCHAIN}" Target="calcChain.xml"/></Relationships>')
    parts["xl/_rels/workbook.xml.rels"] = wb_rels.encode()
    types = parts["[Content_Types].xml"].decode()
    extra = [
        ("/xl/ctrlProps/ctrlProp1.xml", "application/vnd.ms-excel.controlproperties+xml"),
        ("/xl/charts/style1.xml", "application/vnd.ms-office.chartstyle+xml"),
        ("/xl/charts/colors1.xml", "application/vnd.ms-office.chartcolorstyle+xml"),
        ("/xl/calcChain.xml",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"),
    ]
    types = types.replace("</Types>", "".join(
        f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in extra) + "</Types>")
    parts["[Content_Types].xml"] = types.encode()
    write_parts(path, parts)


def read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
