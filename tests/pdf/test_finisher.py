"""The press finisher and the preflight on a small hand-made PDF: which content streams are
converted, which are left byte for byte, and what the preflight flags."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from booklet.content.model import Edition
from booklet.pdf.preflight import preflight
from booklet.pdf.press import DEFAULT_ICC, _colour_operators, finish_press

CMYK_ONLY = b"q\n/DeviceCMYK cs\n0 0 0 1 scn\n/DeviceCMYK CS\n0.1 0.2 0.3 0.4 SCN\n0 0 10 10 re\nB\n/Pattern cs\n/p0 scn\nQ\n"
RGB_SPACE = b"/DeviceRGB cs\n1 0 0 sc\n0 0 10 10 re\nf\n"
RGB_OPERATOR = b"0 0 0 rg\n0 0 10 10 re\nf\n"
NAMED_SPACE = b"/CS0 cs\n0 1 0 sc\n0 0 10 10 re\nf\n"
COMMENTED = b"/DeviceRGB % the operand, then a comment\ncs\n0 0 1 sc\n0 0 10 10 re\nf\n"
CROP_MARKS = b"0 0 0 RG\n0 0 m\n5 5 l\nS\n"  # drawn by a form, one alike on every page


def make_pdf() -> bytes:
    pdf = pikepdf.new()
    icc_rgb = pdf.make_stream(b"\0" * 16, N=3)
    for content in (CMYK_ONLY, RGB_SPACE, RGB_OPERATOR, NAMED_SPACE, COMMENTED):
        marks = pdf.make_stream(CROP_MARKS, Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 10, 10])
        pdf.add_blank_page(page_size=(100, 100))
        page = pdf.pages[-1]
        page.obj.Contents = pdf.make_stream(content + b"/m0 Do\n")
        page.obj.Resources = Dictionary(
            XObject=Dictionary(m0=marks), ColorSpace=Dictionary(CS0=Array([Name.ICCBased, icc_rgb]))
        )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def finished():
    source = make_pdf()
    edition = Edition(title="測試", year=2021, date="2021-07-01", chapters=["a.yaml"])
    data, report = finish_press(source, edition, DEFAULT_ICC.read_bytes(), {}, b"test")
    return source, data, report


def contents(data: bytes) -> list[bytes]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [page.obj.Contents.read_bytes() for page in pdf.pages]


def test_the_byte_reading_tells_which_streams_may_set_rgb():
    resources = Dictionary(ColorSpace=Dictionary(CS0=Name.DeviceRGB))
    assert _colour_operators(CMYK_ONLY, resources) == (False, True)
    assert _colour_operators(RGB_SPACE, resources) == (True, True)
    assert _colour_operators(RGB_OPERATOR, resources) == (True, True)
    assert _colour_operators(CROP_MARKS, None) == (True, True)
    # a resource name or a comment: the stream is parsed, and its conversion not reused
    assert _colour_operators(NAMED_SPACE, resources) == (True, False)
    assert _colour_operators(COMMENTED, resources) == (True, False)
    assert _colour_operators(b"q /DeviceCMYK cs Q", None) == (True, False)  # operand not at a line start


@pytest.mark.skipif(not DEFAULT_ICC.is_file(), reason="the default CMYK profile is not installed")
def test_a_stream_without_rgb_is_left_byte_identical_and_the_others_are_converted(finished):
    source, data, report = finished
    before, after = contents(source), contents(data)
    assert after[0] == before[0]  # CMYK only: not parsed, not rewritten
    for converted in after[1:]:
        assert b"DeviceRGB" not in converted and b" rg" not in converted and b" RG" not in converted
    assert b"/DeviceCMYK cs" in after[1] and b" k\n" in after[2]
    assert b"/DeviceCMYK cs" in after[3]  # /CS0 was an RGB ICC space in the resources
    assert b"/DeviceCMYK cs" in after[4]  # the comment between operand and operator is no trap
    with pikepdf.open(io.BytesIO(data)) as pdf:
        marks = [page.Resources.XObject.m0.read_bytes() for page in pdf.pages]
    assert len(set(marks)) == 1 and b" K\n" in marks[0]  # each alike form converted, the same way
    # one colour per page plus one per crop-mark form: a reused conversion is still counted
    assert report.colours == 4 + 5


@pytest.mark.skipif(not DEFAULT_ICC.is_file(), reason="the default CMYK profile is not installed")
def test_the_preflight_finds_no_rgb_after_the_finisher_and_finds_it_before(finished):
    source, data, _ = finished
    before = preflight(source, press=True, bleed=False, page_multiple=1)
    after = preflight(data, press=True, bleed=False, page_multiple=1)
    rgb = {check.name: check for check in before.checks}["no RGB"]
    assert rgb.status == "fail" and any("DeviceRGB colour (RG)" in detail for detail in rgb.details)
    assert {check.name: check.status for check in after.checks}["no RGB"] == "pass"


def test_the_preflight_flags_an_inline_image_and_still_reads_what_follows_it():
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    image = b"BI /W 1 /H 1 /CS /RGB /BPC 8 ID \xff\x00\x00 EI"
    pdf.pages[0].obj.Contents = pdf.make_stream(b"q 10 0 0 10 0 0 cm " + image + b" Q\n0 0 1 rg\n")
    out = io.BytesIO()
    pdf.save(out)
    rgb = {
        check.name: check
        for check in preflight(out.getvalue(), press=True, bleed=False, page_multiple=1).checks
    }
    assert rgb["no RGB"].details == ["page 1: inline image", "page 1: DeviceRGB colour (rg)"]
