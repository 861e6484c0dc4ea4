"""Press output on a project with real photographs: CMYK PDF/X-4, image pipeline, preflight, barcode, screen."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageCms

from booklet.pdf.press import DEFAULT_ICC

from ..conftest import Project
from ..pdfread import fonts
from ..photos import make_photos

ISBN = "978-962-937-000-8"


@pytest.fixture(scope="module")
def press(tmp_path_factory) -> dict:
    """tests/roots/press/ (five figures, an ISBN) with its photos, built with --all twice: the runs'
    output and the files."""
    project = Project(tmp_path_factory.mktemp("press") / "project", "press")
    make_photos(project.root / "assets/photos")
    first = project.run("--all")
    assert first.returncode == 0, first.stderr
    pdf = project.root / "dist/booklet.pdf"
    first_bytes = pdf.read_bytes()
    second = project.run("--all", "--force")  # built again, from the caches
    assert second.returncode == 0, second.stderr
    return {
        "project": project,
        "first": first,
        "second": second,
        "pdf": pdf,
        "first_bytes": first_bytes,
        "screen": project.root / "dist/booklet.screen.pdf",
    }


# ---------------------------------------------------------------- reading colour back


def colour_problems(pdf_path: Path) -> list[str]:
    """Every DeviceRGB / RGB ICCBased use on any page: operators, images, groups, spaces, shadings."""
    pdf = pikepdf.open(pdf_path)
    problems: list[str] = []
    seen: set = set()

    def rgb(space) -> bool:
        if space is None:
            return False
        if isinstance(space, pikepdf.Name):
            return space in (pikepdf.Name.DeviceRGB, pikepdf.Name.CalRGB)
        if isinstance(space, pikepdf.Array) and space[0] == pikepdf.Name.ICCBased:
            return int(space[1].N) == 3
        if isinstance(space, pikepdf.Array) and space[0] == pikepdf.Name.Indexed:
            return rgb(space[1])
        return False

    def visit(owner, where: str) -> None:
        if owner.is_indirect:
            if owner.objgen in seen:
                return
            seen.add(owner.objgen)
        group = owner.get("/Group")
        if group is not None and rgb(group.get("/CS")):
            problems.append(f"{where}: transparency group /CS {group.CS}")
        for operands, op in pikepdf.parse_content_stream(owner):
            if str(op) in ("rg", "RG"):
                problems.append(f"{where}: {op} operator")
            if str(op) in ("cs", "CS") and rgb(operands[0]):
                problems.append(f"{where}: {op} {operands[0]}")
        resources = owner.get("/Resources") or pikepdf.Dictionary()
        for name, space in (resources.get("/ColorSpace") or {}).items():
            if rgb(space):
                problems.append(f"{where}: colour space {name}")
        for shading in (resources.get("/Shading") or {}).values():
            if rgb(shading.get("/ColorSpace")):
                problems.append(f"{where}: shading")
        for name, xobject in (resources.get("/XObject") or {}).items():
            if xobject.get("/Subtype") == pikepdf.Name.Image and rgb(xobject.get("/ColorSpace")):
                problems.append(f"{where}: image {name} in {xobject.ColorSpace}")
            elif xobject.get("/Subtype") == pikepdf.Name.Form:
                visit(xobject, f"{where} form {name}")

    for number, page in enumerate(pdf.pages, start=1):
        visit(page.obj, f"page {number}")
    return problems


def image_spaces(pdf_path: Path) -> set[str]:
    pdf = pikepdf.open(pdf_path)
    return {
        str(obj.get("/ColorSpace"))
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image
    }


# ---------------------------------------------------------------- the print PDF


def test_print_pdf_is_cmyk_everywhere_with_a_cmyk_output_intent(press):
    assert colour_problems(press["pdf"]) == []
    assert image_spaces(press["pdf"]) == {"/DeviceCMYK"}  # every photo was converted before layout
    pdf = pikepdf.open(press["pdf"])
    (intent,) = pdf.Root.OutputIntents
    assert intent.S == pikepdf.Name.GTS_PDFX
    profile = intent.DestOutputProfile
    assert int(profile.N) == 4 and profile.read_bytes() == DEFAULT_ICC.read_bytes()
    parsed = ImageCms.ImageCmsProfile(io.BytesIO(profile.read_bytes())).profile
    assert parsed.xcolor_space.strip() == "CMYK"
    xmp = pdf.Root.Metadata.read_bytes().decode()
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    assert "2021-07-01" in xmp and not re.search(r"20(2[2-9]|[3-9]\d)-", xmp)  # dates from the edition
    assert all(not page.get("/Annots") for page in pdf.pages)  # PDF/X: no links on the page


def test_colours_are_the_theme_cmyk_tokens_and_black_is_k_only(press):
    """Theme colours are device-cmyk tokens; art drawn in sRGB black (barcode, marks) prints on K alone."""
    pdf = pikepdf.open(press["pdf"])
    colours = set()
    for page in pdf.pages:
        for operands, op in pikepdf.parse_content_stream(page):
            if str(op) in ("k", "K", "scn", "SCN", "sc", "SC") and len(operands) == 4:
                colours.add(tuple(round(float(v), 2) for v in operands))
    assert (0.0, 0.0, 0.0, 1.0) in colours
    assert (0.15, 1.0, 0.85, 0.2) in colours  # --color-accent in variables.css


def test_fonts_embedded_none_type3(press):
    found = fonts(press["pdf"])
    assert found and all(found.values()), found


def test_pages_have_trim_and_bleed_and_the_full_bleed_photo_reaches_the_bleed(press):
    report = json.loads((press["project"].root / "dist/booklet.preflight.json").read_text())
    checks = {c["name"]: c for c in report["checks"]}
    for name in (
        "fonts",
        "no RGB",
        "output intent",
        "trim and bleed",
        "images reach the bleed",
        "page count",
    ):
        assert checks[name]["status"] == "pass", checks[name]
    assert report["pages"] % 4 == 0
    pdf = pikepdf.open(press["pdf"])
    for page in pdf.pages:
        trim, bleed = [float(v) for v in page.TrimBox], [float(v) for v in page.BleedBox]
        assert trim[0] - bleed[0] >= 3 * 72 / 25.4 - 0.01
    widest = max(report["images"], key=lambda image: image["size_pt"][0])
    page = pdf.pages[widest["page"] - 1]
    x0, _, x1, _ = widest["bbox"]
    assert x0 <= float(page.BleedBox[0]) + 0.5 and x1 >= float(page.BleedBox[2]) - 0.5


def test_low_resolution_photo_is_reported_by_name_and_ppi(press):
    stderr = press["first"].stderr
    assert re.search(
        r"chapters/01-photos\.yaml:\d+: warning: figure\.image: image assets/photos/too-small\.jpg "
        r"is 600×400 px: 128 ppi effective",  # placed at the shrink floor, 70 % of the measure
        stderr,
    ), stderr
    assert "[image.low-resolution]" in stderr
    assert "adobe-rgb.jpg is" not in stderr and "bleed.jpg is" not in stderr
    report = json.loads((press["project"].root / "dist/booklet.preflight.json").read_text())
    (resolution,) = [c for c in report["checks"] if c["name"] == "image resolution"]
    assert resolution["status"] == "fail"  # under 200 ppi: --strict refuses
    assert (
        len(resolution["details"]) == 1 and "assets/photos/too-small.jpg: 128 ppi" in resolution["details"][0]
    )


def test_second_build_does_no_image_work_and_gives_the_same_bytes(press):
    assert "images: 5 converted, 0 from the cache" in press["first"].stderr
    assert "images: 0 converted, 5 from the cache" in press["second"].stderr
    assert hashlib.sha256(press["pdf"].read_bytes()).digest() == hashlib.sha256(press["first_bytes"]).digest()


def test_isbn_barcode_decodes_on_the_back_cover_and_in_the_colophon(press, tmp_path):
    import zxingcpp

    pdf = press["pdf"]
    count = len(pikepdf.open(pdf).pages)
    texts = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    colophon = max(i for i, text in enumerate(texts.split("\f"), start=1) if "主辦單位" in text and i < count)
    for page in (colophon, count):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "300",
                "-png",
                "-f",
                str(page),
                "-l",
                str(page),
                str(pdf),
                str(tmp_path / f"p{page}"),
            ],
            check=True,
        )
        (png,) = tmp_path.glob(f"p{page}*.png")
        decoded = [
            b.text
            for b in zxingcpp.read_barcodes(Image.open(png))
            if b.format == zxingcpp.BarcodeFormat.EAN13
        ]
        assert decoded == [ISBN.replace("-", "")], (page, decoded)


# ---------------------------------------------------------------- the screen PDF


def test_screen_pdf_is_rgb_trimmed_tagged_with_alt_text_and_live_links(press):
    pdf = pikepdf.open(press["screen"])
    assert image_spaces(press["screen"]) == {"/DeviceRGB"}
    for page in pdf.pages:
        assert [float(v) for v in page.MediaBox] == [float(v) for v in page.get("/TrimBox", page.MediaBox)]
        assert abs(float(page.MediaBox[2]) - 210 * 72 / 25.4) < 0.5
    assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
    assert "pdfuaid" in pdf.Root.Metadata.read_bytes().decode()
    alts = {str(obj.Alt) for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and "/Alt" in obj}
    assert {"嵌有 Adobe RGB 描述檔的照片", "直幅照片"} <= alts
    assert sum(len(page.get("/Annots", [])) for page in pdf.pages) > 0  # the contents links
    assert "/OutputIntents" not in pdf.Root


# ---------------------------------------------------------------- units and errors


def test_strict_refuses_a_photo_under_200_ppi_and_keeps_the_old_pdf(press):
    project = press["project"]
    before = press["pdf"].read_bytes()
    done = project.run("--strict")
    assert done.returncode == 1
    assert "preflight fail  image resolution" in done.stderr and "too-small.jpg: 128 ppi" in done.stderr
    assert "build failed: preflight failed (image resolution)" in done.stderr
    assert press["pdf"].read_bytes() == before


@pytest.mark.root("minimal")
def test_page_count_is_padded_to_the_edition_signature(project):
    project.edition_with("page_multiple: 16\n")
    done = project.run("-q")
    assert done.returncode == 0, done.stderr
    pages = len(pikepdf.open(project.root / "dist/booklet.pdf").pages)
    assert pages == 16
    texts = subprocess.run(
        ["pdftotext", str(project.root / "dist/booklet.pdf"), "-"], capture_output=True, text=True
    ).stdout.split("\f")
    assert "主辦單位" in texts[pages - 2] or "主辦單位" in texts[pages - 3]  # the colophon stays at the end


@pytest.mark.root("minimal")
def test_the_edition_names_a_cmyk_output_profile(project):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    (project.root / "assets/icc").mkdir(parents=True)
    (project.root / "assets/icc/srgb.icc").write_bytes(srgb)
    project.edition_with("icc_profile: assets/icc/srgb.icc\n")
    done = project.run()
    assert done.returncode == 1
    assert re.search(
        r"booklet\.yaml:\d+:\d+: error: icc_profile: assets/icc/srgb\.icc is a RGB mntr profile; "
        r"the press needs a CMYK output \(printer\) profile \[edition\.icc-profile\]",
        done.stderr,
    ), done.stderr
    (project.root / "assets/icc/press.icc").write_bytes(DEFAULT_ICC.read_bytes())
    project.edition_with("icc_profile: assets/icc/press.icc\n")
    assert project.run("-q").returncode == 0


def test_weasyprint_embeds_the_cached_jpegs_untouched(press):
    pdf = pikepdf.open(press["pdf"])
    embedded = {
        hashlib.sha256(obj.read_raw_bytes()).hexdigest()
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image
    }
    cached = {
        hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (press["project"].root / ".cache/images").glob("*.jpg")
    }
    assert len(embedded) == 5 and embedded <= cached
