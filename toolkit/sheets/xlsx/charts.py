"""Native Excel charts (DrawingML chart parts) and the drawing part that places them on a sheet.

Each series references cells of the sheet itself and carries a cache of their current values,
so Excel, LibreOffice and previewers show the chart as written (docs/statistics.md)."""

from __future__ import annotations

from toolkit.sheets.xlsx.reportspec import Chart, Series
from toolkit.sheets.xlsx.xmlscan import esc, esc_attr

NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_DRAWING = NS_R + "/drawing"
REL_CHART = NS_R + "/chart"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CAT_AXIS, _VAL_AXIS = 500100, 500200


def sheet_ref(sheet: str, cells: str) -> str:
    """'月度统计'!$A$5:$A$13 from "A5:A13"."""
    quoted = "'" + sheet.replace("'", "''") + "'"
    return quoted + "!" + ":".join(_absolute(p) for p in cells.split(":"))


def _absolute(cell: str) -> str:
    letters = "".join(ch for ch in cell if ch.isalpha())
    return f"${letters}${cell[len(letters):]}"


def _rich(text: str, size: int, bold: bool) -> str:
    b = ' b="1"' if bold else ' b="0"'
    return (f'<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}"{b}/>'
            f'</a:pPr><a:r><a:rPr lang="zh-CN" sz="{size}"{b}/><a:t>{esc(text)}</a:t></a:r>'
            "</a:p></c:rich></c:tx>")


def _text_props(size: int) -> str:
    return (f'<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}"/></a:pPr>'
            '<a:endParaRPr lang="zh-CN"/></a:p></c:txPr>')


def _str_cache(values: list[str]) -> str:
    pts = "".join(f'<c:pt idx="{i}"><c:v>{esc(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return f'<c:strCache><c:ptCount val="{len(values)}"/>{pts}</c:strCache>'


def _num_cache(values: list[float | int | None]) -> str:
    pts = "".join(f'<c:pt idx="{i}"><c:v>{v}</c:v></c:pt>'
                  for i, v in enumerate(values) if v is not None)
    return (f'<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{len(values)}"/>'
            f"{pts}</c:numCache>")


def _series(sheet: str, i: int, s: Series, kind: str) -> str:
    fill = f'<a:solidFill><a:srgbClr val="{s.color}"/></a:solidFill>'
    if kind == "line":
        look = (f'<c:spPr><a:ln w="28575" cap="rnd">{fill}<a:round/></a:ln></c:spPr>'
                f'<c:marker><c:symbol val="circle"/><c:size val="5"/><c:spPr>{fill}</c:spPr>'
                "</c:marker>")
    else:
        look = f"<c:spPr>{fill}</c:spPr><c:invertIfNegative val=\"0\"/>"
    labels = ("<c:dLbls>" + _text_props(800) + '<c:showLegendKey val="0"/><c:showVal val="1"/>'
              '<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/>'
              '<c:showBubbleSize val="0"/></c:dLbls>')
    tail = '<c:smooth val="0"/>' if kind == "line" else ""
    return (f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>'
            f"<c:tx><c:strRef><c:f>{esc(sheet_ref(sheet, s.name_cell))}</c:f>"
            f"{_str_cache([s.name])}</c:strRef></c:tx>{look}{labels}"
            f"<c:cat><c:strRef><c:f>{esc(sheet_ref(sheet, s.categories))}</c:f>"
            f"{_str_cache(s.category_values)}</c:strRef></c:cat>"
            f"<c:val><c:numRef><c:f>{esc(sheet_ref(sheet, s.values))}</c:f>"
            f"{_num_cache(s.numbers)}</c:numRef></c:val>{tail}</c:ser>")


def chart_xml(sheet: str, chart: Chart) -> bytes:
    """A chart part: a clustered bar (horizontal), column or line chart of the series."""
    series = "".join(_series(sheet, i, s, chart.kind) for i, s in enumerate(chart.series))
    axes = f'<c:axId val="{_CAT_AXIS}"/><c:axId val="{_VAL_AXIS}"/>'
    horizontal = chart.kind == "bar"
    if chart.kind == "line":
        plot = (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{series}'
                f'<c:marker val="1"/>{axes}</c:lineChart>')
    else:
        plot = (f'<c:barChart><c:barDir val="{"bar" if horizontal else "col"}"/>'
                f'<c:grouping val="clustered"/><c:varyColors val="0"/>{series}'
                f'<c:gapWidth val="60"/>{axes}</c:barChart>')
    # Horizontal bars list the categories top-down in the table's order; the value axis then
    # crosses at the far end so it stays at the bottom.
    cat_axis = (f'<c:catAx><c:axId val="{_CAT_AXIS}"/><c:scaling><c:orientation '
                f'val="{"maxMin" if horizontal else "minMax"}"/></c:scaling><c:delete val="0"/>'
                f'<c:axPos val="{"l" if horizontal else "b"}"/>'
                '<c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/>'
                '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>' + _text_props(900)
                + f'<c:crossAx val="{_VAL_AXIS}"/><c:crosses val="autoZero"/><c:auto val="1"/>'
                '<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/>'
                "</c:catAx>")
    # Counts are whole numbers: small ones get a tick per unit (no "0 1 1" from rounding
    # half-steps), and an all-zero chart still gets an axis from 0 to 1.
    peak = max((v for s in chart.series for v in s.numbers if v is not None), default=0)
    top = '<c:max val="1"/>' if peak <= 0 else ""
    unit = '<c:majorUnit val="1"/>' if peak < 5 else ""
    val_axis = (f'<c:valAx><c:axId val="{_VAL_AXIS}"/><c:scaling><c:orientation val="minMax"/>'
                f'{top}<c:min val="0"/></c:scaling><c:delete val="0"/>'
                f'<c:axPos val="{"b" if horizontal else "l"}"/>'
                '<c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="D9D9D9"/>'
                '</a:solidFill></a:ln></c:spPr></c:majorGridlines>'
                '<c:numFmt formatCode="0" sourceLinked="0"/><c:majorTickMark val="none"/>'
                '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>' + _text_props(900)
                + f'<c:crossAx val="{_CAT_AXIS}"/>'
                f'<c:crosses val="{"max" if horizontal else "autoZero"}"/>'
                f'<c:crossBetween val="between"/>{unit}</c:valAx>')
    legend = ('<c:legend><c:legendPos val="b"/><c:overlay val="0"/>' + _text_props(900)
              + "</c:legend>") if chart.legend else ""
    return (_XML_HEAD + f'<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
            '<c:roundedCorners val="0"/><c:chart><c:title>' + _rich(chart.title, 1200, True)
            + '<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea>'
            f"<c:layout/>{plot}{cat_axis}{val_axis}</c:plotArea>{legend}"
            '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
            '<c:spPr><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill><a:ln w="6350">'
            '<a:solidFill><a:srgbClr val="BFBFBF"/></a:solidFill></a:ln></c:spPr>'
            "</c:chartSpace>").encode()


def drawing_xml(charts: list[Chart]) -> bytes:
    """The drawing part: one anchored frame per chart, chart i bound to relationship rId{i+1}."""
    frames = []
    for i, chart in enumerate(charts):
        (c1, r1), (c2, r2) = chart.top_left, chart.bottom_right
        frames.append(
            '<xdr:twoCellAnchor editAs="oneCell">'
            f"<xdr:from><xdr:col>{c1 - 1}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{r1 - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{c2 - 1}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{r2 - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{i + 2}" '
            f'name="{esc_attr(chart.title)}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
            f'<a:graphicData uri="{NS_C}"><c:chart xmlns:c="{NS_C}" r:id="rId{i + 1}"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>"
            "</xdr:twoCellAnchor>")
    return (_XML_HEAD + f'<xdr:wsDr xmlns:xdr="{NS_XDR}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
            + "".join(frames) + "</xdr:wsDr>").encode()


def relationships_xml(targets: list[tuple[str, str]]) -> bytes:
    """A .rels part: (type, relative target) pairs as rId1, rId2, …"""
    rels = "".join(f'<Relationship Id="rId{i}" Type="{t}" Target="{esc(target)}"/>'
                   for i, (t, target) in enumerate(targets, start=1))
    return (_XML_HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{rels}</Relationships>').encode()
