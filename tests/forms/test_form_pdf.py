"""PDF copies through LibreOffice, read back with poppler: the text layer and the rendered
page both show the case number, and the Chinese text has a Chinese font."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from datetime import datetime
from html import unescape
from pathlib import Path

import pytest
from helpers import good_row, make_register

from toolkit.jobs.forms import run_forms

AS_OF = datetime(2026, 11, 24, 9, 0)
DPI = 100

pytestmark = pytest.mark.libreoffice


@pytest.fixture
def poppler() -> None:
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: install libreoffice-writer-nogui "
                    "and fonts-noto-cjk to test the PDF forms")
    for tool in ("pdftotext", "pdftoppm", "pdfinfo", "pdffonts"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} (poppler-utils) is not installed: needed to read the PDF back")


def run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def words(pdf: Path, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """(text, xMin, yMin, xMax, yMax) in points of each word pdftotext finds on the page."""
    html = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                       r'yMax="([\d.]+)">([^<]*)</word>', html)
    return [(unescape(t), float(a), float(b), float(c), float(d)) for a, b, c, d, t in found]


def gray_png(data: bytes) -> tuple[int, int, bytes]:
    """Decode an 8-bit greyscale or RGB PNG (as pdftoppm writes it) to one grey value a pixel."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 1
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (0, 2), (depth, colour)
            bpp = 1 if colour == 0 else 3
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        for x in range(stride):
            a = cur[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                cur[x] = (cur[x] + a) & 255
            elif kind == 2:
                cur[x] = (cur[x] + b) & 255
            elif kind == 3:
                cur[x] = (cur[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[x] = (cur[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += cur[::bpp]
        prev = cur
    return width, height, bytes(out)


def ink(pdf: Path, box: tuple[float, float, float, float], tmp: Path) -> float:
    """Fraction of dark pixels in a box (points) of page 1 rendered to PNG by pdftoppm."""
    x0, y0, x1, y1 = (round(v * DPI / 72) for v in box)
    stem = tmp / f"crop-{x0}-{y0}"
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-gray", "-png",
                    "-singlefile", "-x", str(x0), "-y", str(y0), "-W", str(x1 - x0),
                    "-H", str(y1 - y0), str(pdf), str(stem)], check=True)
    width, height, pixels = gray_png(stem.with_suffix(".png").read_bytes())
    assert width * height == len(pixels) > 0
    return sum(1 for p in pixels if p < 128) / len(pixels)


def test_pdf_shows_the_case_number(tmp_path: Path, poppler: None) -> None:
    rows = [good_row(case_id="2611-0003", severity="重大", compensation=350,
                     customer="杭州顺达汽车销售服务有限公司", description="刹车异响，要求更换"),
            good_row(case_id="2611-0004", approval="待审批", customer="李丽")]
    book = make_register(tmp_path / "台账.xlsx", rows)
    outcome = run_forms(book, as_of=AS_OF, pdf=True)
    assert outcome.pdfs == 2
    pdf = outcome.forms[0].pdf
    assert pdf is not None and pdf.name == "2611-0003_杭州顺达汽车销售服务有限公司.pdf"

    assert re.search(r"Pages:\s+2\b", run("pdfinfo", str(pdf))), "one page per copy"
    text = run("pdftotext", "-layout", str(pdf), "-")
    assert text.count("客诉问题处理审批表") == 2 and "第二联 责任部门" in text
    assert "人民币叁佰伍拾元整" in text and "刹车异响，要求更换" in text
    fonts = run("pdffonts", str(pdf))
    assert re.search(r"CJK|Song|Sun|Ming|Hei|Kai|WenQuanYi|Han", fonts), fonts

    # The rendered page has ink where the text layer says the case number is, and none in
    # the empty top margin.
    boxes = [w[1:] for w in words(pdf) if w[0] == "2611-0003"]
    assert boxes, "case number not on page 1"
    assert all(ink(pdf, box, tmp_path) > 0.05 for box in boxes)
    assert ink(pdf, (0, 0, 595, 30), tmp_path) == 0

    # Nothing changed: no LibreOffice run, the PDFs stay.
    before = pdf.stat().st_mtime_ns
    again = run_forms(book, as_of=AS_OF, pdf=True)
    assert [f.status for f in again.forms] == ["unchanged", "unchanged"]
    assert again.pdfs == 2 and pdf.stat().st_mtime_ns == before
    assert not [p for p in pdf.parent.iterdir() if p.name.startswith(".")]
