"""Press finishing (issue 19): images named by their source, write failures, marks, overprint,
total ink, separations and imposition, on a small book with photographs of one pixel size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.photos import photo

CHAPTER = """\
number: 1
title: 相片章
blocks:
  - lead: 導語一句，黑色文字。
  - figure:
      image: assets/photos/first.jpg
      caption: 第一張。
  - figure:
      image: assets/photos/second.jpg
      caption: 第二張。
  - figure:
      image: assets/photos/dark.jpg
      caption: 深色的照片。
"""


def dark_photo(width: int, height: int) -> Image.Image:
    """A heavily inked night scene: near-black with deep saturated shadows."""
    base = photo(width, height, 9).point(lambda v: v // 12)
    return base


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """A small press build: two different 400×300 photos, one dark one; the print PDF written once."""
    from tests.conftest import Project

    project = Project(tmp_path_factory.mktemp("finishing") / "project")
    photos = project.root / "assets/photos"
    photos.mkdir(parents=True)
    photo(400, 300, 1).save(photos / "first.jpg", quality=92)
    photo(400, 300, 7).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(photos / "second.jpg", quality=92)
    dark_photo(1600, 1200).save(photos / "dark.jpg", quality=92)
    project.write("chapters/01-photos.yaml", CHAPTER)
    project.edition("chapters/01-photos.yaml")
    done = project.run("-q")
    assert done.returncode == 0, done.stderr
    return project.root


def test_the_preflight_names_each_of_two_photos_of_one_pixel_size(book):
    report = json.loads((book / "dist/booklet.preflight.json").read_text())
    placed = {image["source"]: image for image in report["images"]}
    assert {"assets/photos/first.jpg", "assets/photos/second.jpg", "assets/photos/dark.jpg"} <= set(placed)
    assert placed["assets/photos/first.jpg"]["pixels"] == placed["assets/photos/second.jpg"]["pixels"]
    resolution = next(check for check in report["checks"] if check["name"] == "image resolution")
    text = "\n".join(resolution["details"])
    assert "assets/photos/first.jpg" in text and "assets/photos/second.jpg" in text


def _limited(limit: int):
    def apply() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_file_size_limit_on_the_pdf_is_an_output_failure_that_keeps_the_previous_pdf(book):
    pdf = book / "dist/booklet.pdf"
    before = pdf.read_bytes()
    (book / "chapters/01-photos.yaml").write_text(CHAPTER.replace("黑色文字", "黑色的文字"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parents[2] / "build.py"), "-q"],
        cwd=book,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limited(len(before) // 2),
    )
    (book / "chapters/01-photos.yaml").write_text(CHAPTER, encoding="utf-8")
    assert done.returncode == 4, done.stderr
    assert "cannot write" in done.stderr and "file too large" in done.stderr, done.stderr
    assert "internal error" not in done.stderr
    assert pdf.read_bytes() == before
    assert not list(book.rglob("*.tmp"))


def test_a_full_disk_reads_as_no_space_left_on_device():
    import errno
    import os

    from booklet.core.files import is_write_failure, write_failure

    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert is_write_failure(full)
    failure = write_failure(Path("dist/booklet.pdf"), full)
    assert failure.exit_code == 4
    assert str(failure) == "cannot write dist/booklet.pdf: no space left on device"


def test_marks_and_slug_print_in_registration_colour_beyond_the_bleed(book):
    import pikepdf

    with pikepdf.open(book / "dist/booklet.pdf") as pdf:
        for page in pdf.pages:
            media = [float(v) for v in page.MediaBox]
            bleed = [float(v) for v in page.BleedBox]
            assert media[0] < bleed[0] - 20 and media[3] > bleed[3] + 20  # room beyond the bleed
            form = page.Resources.XObject["/BkMarks"]
            space = form.Resources.ColorSpace["/Reg"]
            assert space[0] == "/Separation" and space[1] == "/All"
            xs, ys = [], []
            for operands, operator in pikepdf.parse_content_stream(form):
                if str(operator) in ("m", "l", "c"):
                    xs += [float(v) for v in operands[0::2]]
                    ys += [float(v) for v in operands[1::2]]
                if str(operator) in ("k", "K", "rg", "RG", "g", "G"):
                    raise AssertionError(f"a mark in a process colour: {operator}")
            outside = [
                not (bleed[0] < x < bleed[2] and bleed[1] < y < bleed[3]) for x, y in zip(xs, ys, strict=True)
            ]
            assert xs and all(outside)


def test_black_text_overprints_and_the_preflight_says_when_it_knocks_out(book, tmp_path):
    import pikepdf

    from booklet.pdf.preflight import preflight

    report = json.loads((book / "dist/booklet.preflight.json").read_text())
    check = next(c for c in report["checks"] if c["name"] == "black overprint")
    assert check["status"] == "pass"
    knocked = tmp_path / "knocked.pdf"
    with pikepdf.open(book / "dist/booklet.pdf") as pdf:
        states = {}
        for page in pdf.pages:
            for name, state in page.Resources.get("/ExtGState", {}).items():
                states[name] = state
            for xobject in page.Resources.XObject.values():
                if "/ExtGState" in xobject.get("/Resources", {}):
                    states.update(xobject.Resources.ExtGState.items())
        on = states["/BkOP01"]
        assert on.op is True and on.OPM == 1 and on.OP is False
        assert states["/BkOP11"].OP is True
        for page in pdf.pages:  # the overprint taken out again: every black letter knocks out
            for part in page.Contents:
                part.write(part.read_bytes().replace(b"/BkOP01 gs", b""))
            for xobject in page.Resources.XObject.values():
                if xobject.get("/Subtype") == "/Form":
                    xobject.write(xobject.read_bytes().replace(b"/BkOP01 gs", b""))
        pdf.save(knocked)
    check = next(c for c in preflight(knocked, press=True, bleed=True).checks if c.name == "black overprint")
    assert check.status == "fail" and "knock out" in check.details[0]


def test_black_rules_overprint_large_black_areas_print_rich_and_images_knock_out():
    import pikepdf

    from booklet.pdf.overprint import OverprintReport, apply

    pdf = pikepdf.new()
    image = pdf.make_stream(b"\0", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=1, Height=1)
    resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    stream = (
        b"0 0 0 1 k 10 10 300 0.5 re f\n"  # a thin rule: overprints
        b"0 0 0 1 k 10 100 200 200 re f\n"  # 70 mm square of K: rich black
        b"0 0 0 1 K 1 w 0 0 m 100 0 l S\n"  # a stroked rule
        b"0.5 0.2 0 0 k 0 0 10 10 re f\n"  # a colour: knocks out
        b"q 100 0 0 100 0 0 cm /Im0 Do Q\n"
    )
    report = OverprintReport()
    out = apply(pdf, stream, resources, (0.6, 0.4, 0.4, 1.0), 20 * 72 / 25.4, report)
    ops = [
        (list(i.operands), str(i.operator)) for i in pikepdf.parse_content_stream(pikepdf.Stream(pdf, out))
    ]
    states = [str(operands[0]) for operands, op in ops if op == "gs"]
    assert states[0] == "/BkOP01"  # before the thin rule
    assert report.rich == 1
    assert any(op == "k" and [float(v) for v in o] == [0.6, 0.4, 0.4, 1] for o, op in ops)
    assert "/BkOP10" in states  # the stroked black rule overprints, the fill colour does not
    assert states[-1] == "/BkOP00"  # the colour fill and the image knock out
