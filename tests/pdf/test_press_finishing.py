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


# ---------------------------------------------------------------- imposition


def _text_in(path: Path, number: int, box) -> str:
    """The text pdftotext (poppler) finds on page `number` inside `box` (x0, y0, x1, y1 in PDF space)."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        media = [float(v) for v in pdf.pages[number - 1].MediaBox]
    x0, y0, x1, y1 = box
    crop = [round(x0 - media[0]) + 2, round(media[3] - y1) + 2, round(x1 - x0) - 4, round(y1 - y0) - 4]
    args = ["-x", str(crop[0]), "-y", str(crop[1]), "-W", str(crop[2]), "-H", str(crop[3])]
    done = subprocess.run(
        ["pdftotext", "-r", "72", "-f", str(number), "-l", str(number), *args, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(done.stdout.split())


def _texts_by_cell(path: Path, columns: int, rows: int) -> list[list[str]]:
    """The text inside each cell of every imposed sheet side (cells of its TrimBox), rows top first."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        trims = [[float(v) for v in page.TrimBox] for page in pdf.pages]
    out = []
    for number, (x0, y0, x1, y1) in enumerate(trims, start=1):
        w, h = (x1 - x0) / columns, (y1 - y0) / rows
        out.append(
            [
                _text_in(path, number, (x0 + c * w, y1 - (r + 1) * h, x0 + (c + 1) * w, y1 - r * h))
                for r in range(rows)
                for c in range(columns)
            ]
        )
    return out


def _source_texts(path: Path) -> list[str]:
    import pikepdf

    with pikepdf.open(path) as pdf:
        trims = [[float(v) for v in page.TrimBox] for page in pdf.pages]
    return [_text_in(path, number, trim) for number, trim in enumerate(trims, start=1)]


def test_saddle_stitch_sheets_fold_and_nest_into_the_book_in_order(book):
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parents[2] / "build.py"), "impose", "-q"],
        cwd=book,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    imposed = book / "dist/booklet.imposed.pdf"
    source = _source_texts(book / "dist/booklet.pdf")
    count = len(source)
    cells = _texts_by_cell(imposed, 2, 1)
    assert len(cells) == count // 2  # a front and a back per sheet
    # folded as a person would: each sheet's right half (front right, back left) is a leaf of the
    # first half of the book, its left half one of the second; the sheets nest, the first outermost
    sheets = [(cells[2 * s], cells[2 * s + 1]) for s in range(count // 4)]
    reading = [text for front, back in sheets for text in (front[1], back[0])]
    reading += [text for front, back in reversed(sheets) for text in (back[1], front[0])]
    assert reading == source
    assert len({t for t in source if t}) > 2  # the pages tell apart


def test_impose_applies_creep_and_marks_each_sheet(book, tmp_path):
    import pikepdf

    from booklet.pdf.impose import impose

    plan = impose(
        book / "dist/booklet.pdf",
        binding="saddle-stitch",
        signature=16,
        creep_mm=0.8,
        paper_mm=0.1,
        slug_name="test",
        heading_font="Noto Sans CJK TC",
    )
    sheets = plan.sheets
    shifts = [side.cells[0].shift / (72 / 25.4) for side in plan.sides[::2]]
    assert abs(shifts[0]) < 1e-9 and abs(shifts[-1] - 0.8) < 1e-6 if sheets > 1 else True
    out = tmp_path / "imposed.pdf"
    out.write_bytes(plan.pdf)
    import pdfplumber

    innermost = plan.sides[-2]  # the innermost sheet's front: its pages moved 0.8 mm towards the spine
    left, right = innermost.cells
    with pikepdf.open(out) as pdf:
        spread = [float(v) for v in pdf.pages[-2].TrimBox]
    with pikepdf.open(book / "dist/booklet.pdf") as pdf:
        boxes = [([float(v) for v in p.MediaBox], [float(v) for v in p.TrimBox]) for p in pdf.pages]
    checked = 0
    with pdfplumber.open(book / "dist/booklet.pdf") as source, pdfplumber.open(out) as imposed:
        sheet = imposed.pages[-2]
        for cell, side_x in ((left, spread[0]), (right, (spread[0] + spread[2]) / 2)):
            page = source.pages[cell.page - 1]
            _, trim = boxes[cell.page - 1]
            words = page.extract_words()
            if not words:
                continue
            word = words[0]
            expected = side_x + (word["x0"] - trim[0]) + (0.8 if cell is left else -0.8) * 72 / 25.4
            found = [w["x0"] for w in sheet.extract_words() if w["text"] == word["text"]]
            assert any(abs(x - expected) < 0.05 for x in found), (word["text"], expected, found)
            checked += 1
    assert checked  # at least one page of the innermost sheet has text to find
    with pikepdf.open(out) as pdf:
        form = pdf.pages[0].Resources.XObject["/BkMarks"]
        assert form.Resources.ColorSpace["/Reg"][1] == "/All"
        assert b" d" in form.read_bytes()  # dashed fold marks


def test_a_page_count_not_a_multiple_of_four_is_refused(book, tmp_path):
    import pikepdf

    from booklet.core.findings import BuildError
    from booklet.pdf.impose import impose

    odd = tmp_path / "odd.pdf"
    with pikepdf.open(book / "dist/booklet.pdf") as pdf:
        del pdf.pages[-1]
        pdf.save(odd)
    with pytest.raises(BuildError) as raised:
        impose(
            odd,
            binding="saddle-stitch",
            signature=16,
            creep_mm=None,
            paper_mm=0.1,
            slug_name="t",
            heading_font="sans",
        )
    assert "not a multiple of 4" in str(raised.value) and raised.value.exit_code == 1


def _fold(columns: int, rows: int, folds) -> dict:
    """A sheet folded by hand: (axis, the high half moves, tucked under) per fold, the back face up
    at first. Returns (cell, face) → page, reading the folded stack from the top."""
    grid = {(c, r): [((c, r), "back")] for c in range(columns) for r in range(rows)}
    size = {"v": columns, "h": rows}
    turn = {"front": "back", "back": "front"}
    for axis, high, under in folds:
        half = size[axis] // 2
        new: dict = {}
        for moving in (False, True):  # the half that stays, then the half turned over onto it
            for (c, r), stack in grid.items():
                i = c if axis == "v" else r
                if ((i >= half) == high) != moving:
                    continue
                if moving:
                    j = 2 * half - 1 - i if high else half - 1 - i
                    stack = [(cell, turn[up]) for cell, up in reversed(stack)]
                else:
                    j = i if high else i - half
                key = (j, r) if axis == "v" else (c, j)
                below = new.get(key, [])
                new[key] = (below + stack if under else stack + below) if moving else below + stack
        size[axis] = half
        grid = new
    (stack,) = grid.values()
    pages, number = {}, 1
    for cell, up in stack:
        pages[(cell, up)], pages[(cell, turn[up])] = number, number + 1
        number += 2
    return pages


def test_signature_schemes_are_what_folding_the_press_sheet_gives():
    from booklet.pdf.impose import SIGNATURES

    def table(columns, rows, pages):
        return {
            face: [
                [pages[((c if face == "front" else columns - 1 - c, r), face)] for c in range(columns)]
                for r in reversed(range(rows))
            ]
            for face in ("front", "back")
        }

    assert table(2, 2, _fold(2, 2, [("h", True, False), ("v", True, False)])) == SIGNATURES[8]
    assert (
        table(4, 2, _fold(4, 2, [("v", False, False), ("h", True, False), ("v", True, False)]))
        == SIGNATURES[16]
    )
    assert table(2, 1, _fold(2, 1, [("v", True, False)])) == {"front": [[4, 1]], "back": [[2, 3]]}


# ---------------------------------------------------------------- total ink and separations


def _plates(pdf: Path, dpi: int, folder: Path) -> dict[int, list]:
    """Ghostscript's tiffsep plates of every page's BleedBox, as ink arrays (0…255 = 0…100 %)."""
    import numpy as np

    folder.mkdir()
    subprocess.run(
        ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiffsep", "-dUseBleedBox", f"-r{dpi}"]
        + [f"-sOutputFile={folder}/p%03d.tif", str(pdf)],
        check=True,
    )
    plates: dict[int, list] = {}
    for path in sorted(folder.glob("p*(Cyan).tif")):
        number = int(path.name[1:4])
        plates[number] = [
            255 - np.asarray(Image.open(folder / f"p{number:03d}({ink}).tif").convert("L"), dtype=np.int32)
            for ink in ("Cyan", "Magenta", "Yellow", "Black")
        ]
    return plates


def test_total_ink_is_measured_per_page_and_stays_under_the_profiles_limit(book, tmp_path):
    report = json.loads((book / "dist/booklet.preflight.json").read_text())
    inks = report["inks"]
    assert inks["limit"] == 320  # Ghostscript's default CMYK profile is SWOP
    check = next(c for c in report["checks"] if c["name"] == "total ink")
    assert check["status"] == "pass", check
    plates = _plates(book / "dist/booklet.pdf", 100, tmp_path / "plates")
    assert len(plates) == len(inks["pages"])
    for page in inks["pages"]:
        total = sum(plates[page["page"]]) * 100 / 255
        assert float(total.max()) <= inks["limit"] + 1
        assert abs(float(total.max()) - page["max_percent"]) < 12  # another resolution, the same page
        for index, ink in enumerate(("Cyan", "Magenta", "Yellow", "Black")):
            measured = float(plates[page["page"]][index].mean()) * 100 / 255
            assert abs(measured - page["coverage"][ink]) < 0.5, (page["page"], ink)
        assert (book / "dist" / page["thumbnail"]).is_file()
    darkest = max(inks["pages"], key=lambda page: page["max_percent"])
    assert darkest["max_percent"] > 250  # the dark photograph is heavily inked, and kept under 320 %


def test_inkcov_agrees_with_the_share_of_each_page_a_plate_prints_on(book):
    done = subprocess.run(
        [
            "gs",
            "-q",
            "-dSAFER",
            "-o",
            "-",
            "-sDEVICE=inkcov",
            "-dUseBleedBox",
            str(book / "dist/booklet.pdf"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [line.split()[:4] for line in done.stdout.splitlines() if line.strip().endswith("OK")]
    inks = json.loads((book / "dist/booklet.preflight.json").read_text())["inks"]["pages"]
    assert len(rows) == len(inks)
    for row, page in zip(rows, inks, strict=True):
        for value, ink in zip(row, ("Cyan", "Magenta", "Yellow", "Black"), strict=True):
            assert abs(float(value) * 100 - page["inked"][ink]) < 2.0, (page["page"], ink, value)


def test_a_photo_is_converted_under_the_editions_ink_limit():
    import numpy as np

    from booklet.assets.photos import limit_ink

    rich = Image.fromarray(np.full((8, 8, 4), (240, 230, 230, 250), np.uint8), "CMYK")
    limited = np.asarray(limit_ink(rich, 260), dtype=np.int32)
    assert limited.sum(axis=2).max() * 100 / 255 <= 260
    assert (limited[..., 3] == 250).all()  # black kept, C, M and Y taken down together


def test_a_page_over_the_limit_fails_the_total_ink_check(tmp_path):
    import pikepdf

    from booklet.pdf.inks import measure
    from booklet.pdf.preflight import ink_check

    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(300, 300))
    page.obj.BleedBox = pikepdf.Array([0, 0, 300, 300])
    page.obj.Contents = pdf.make_stream(b"0.9 0.9 0.9 0.9 k 50 50 142 142 re f")  # 360 %, 50 mm square
    pdf.save(tmp_path / "heavy.pdf")
    inks, strips = measure(tmp_path / "heavy.pdf", 1, 300)
    (only,) = inks.pages
    assert only.max_percent == pytest.approx(360, abs=1)
    assert only.over_mm2 == pytest.approx(50.1 * 50.1, rel=0.03)
    check = ink_check(inks)
    assert check.status == "fail" and "page 1" in check.details[0] and "300 %" in check.details[0]
    assert strips[1].startswith(b"\x89PNG")


def test_the_proof_report_shows_each_pages_ink_and_plates(book):
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parents[2] / "build.py"), "--proof", "-q"],
        cwd=book,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    html = (book / "dist/booklet.proof.html").read_text(encoding="utf-8")
    inks = json.loads((book / "dist/booklet.preflight.json").read_text())["inks"]
    assert "Press: total ink and separations" in html and f"total ink limit {inks['limit']} %" in html
    for page in inks["pages"]:
        assert f'id="ink-{page["page"]}"' in html
        assert f'src="{page["thumbnail"]}"' in html
        assert f"{page['max_percent']:.0f} %" in html
    strip = Image.open(book / "dist" / inks["pages"][0]["thumbnail"])
    assert strip.width > 3 * strip.height / 2  # four plates side by side


def test_numpy_starts_no_native_threads_that_a_fork_would_copy():
    """The ink measurement imports numpy in the build's process; a later profile (--all) forks workers."""
    code = (
        "import booklet.pdf.inks, numpy\n"
        "from booklet.core.parallel import native_threads_ended\n"
        "print(native_threads_ended(timeout=0))"
    )
    env = {key: value for key, value in __import__("os").environ.items() if key != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "True"


def test_a_page_measured_before_is_not_rendered_again(tmp_path, monkeypatch):
    import pikepdf

    from booklet.pdf import inks

    def book(fill: bytes, name: str):
        pdf = pikepdf.new()
        for _ in range(2):
            page = pdf.add_blank_page(page_size=(300, 300))
            page.obj.BleedBox = pikepdf.Array([0, 0, 300, 300])
            page.obj.Contents = pdf.make_stream(fill)
        pdf.pages[1].obj.Contents = pdf.make_stream(b"0 0 0 1 k 10 10 50 50 re f")
        pdf.save(tmp_path / name)
        return tmp_path / name

    cache = tmp_path / "inks"
    first, strips = inks.measure(book(b"0.9 0.9 0.9 0.9 k 50 50 142 142 re f", "a.pdf"), 2, 300, cache=cache)
    rendered = []
    real = inks._render
    monkeypatch.setattr(
        inks,
        "_render",
        lambda gs, pdf, folder, pages, dpi: rendered.append(pages) or real(gs, pdf, folder, pages, dpi),
    )
    again, strips_again = inks.measure(
        book(b"0.9 0.9 0.9 0.9 k 50 50 142 142 re f", "b.pdf"), 2, 300, cache=cache
    )
    assert rendered == [] and again.to_dict() == first.to_dict() and strips_again == strips
    changed, _ = inks.measure(book(b"0.5 0.5 0.5 0.5 k 50 50 142 142 re f", "c.pdf"), 2, 300, cache=cache)
    assert rendered == [(1, 1)]  # only the page whose content changed
    assert changed.pages[0].max_percent == pytest.approx(200, abs=1) and changed.pages[1] == first.pages[1]
