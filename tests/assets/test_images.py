"""The image stage over the cores: same bytes for any number of workers, DCT-domain decoding never
below the placed size, truncation still refused, unchanged photos found in the cache unread."""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from booklet.app.build import build
from booklet.app.check import check
from booklet.app.project import Options
from booklet.assets import photos as images
from booklet.assets.inspect import ImageProblem, inspect_image, inspect_images_cached
from booklet.assets.photos import Placement, Settings, convert, prepare_images
from booklet.core.findings import ContentError, Location
from booklet.pdf.press import DEFAULT_ICC

from ..conftest import Project
from ..photos import A98, make_photos, photo

PRINT = Settings("cmyk", 300, DEFAULT_ICC.read_bytes())


def chapter(*refs: str) -> str:
    blocks = "".join(
        f"  - figure:\n      image: {ref}\n      caption: 照片。\n" + ("      size: half\n" if i % 2 else "")
        for i, ref in enumerate(refs)
    )
    return f"number: 1\ntitle: 相片章\nblocks:\n  - lead: 導語一句。\n{blocks}"


def photo_project(project: Project) -> tuple[Project, list[str]]:
    """The photos tests/roots/photos/ places, of every kind the stage treats differently: sizes, EXIF
    turn, ICC, CMYK, PNG with alpha (made here: too large to keep)."""
    folder = project.root / "assets/photos"
    folder.mkdir(parents=True)
    photo(2400, 1600, 1).save(folder / "large.jpg", quality=90)
    photo(2200, 1500, 2).save(folder / "adobe.jpg", quality=90, icc_profile=A98.read_bytes())
    exif = Image.Exif()
    exif[0x0112] = 6
    photo(1600, 1100, 3).save(folder / "turned.jpg", quality=90, exif=exif.tobytes())
    photo(1800, 1200, 4).convert("CMYK").save(folder / "cmyk.jpg", quality=90)
    photo(1300, 900, 5).save(folder / "progressive.jpg", quality=90, progressive=True)
    rgba = photo(900, 600, 6).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgba.size))
    rgba.save(folder / "alpha.png")
    photo(300, 200, 7).save(folder / "small.jpg", quality=90)
    refs = [
        f"assets/photos/{name}"
        for name in (
            "large.jpg",
            "adobe.jpg",
            "turned.jpg",
            "cmyk.jpg",
            "progressive.jpg",
            "alpha.png",
            "small.jpg",
        )
    ]
    return project, refs


def checked(project: Project):
    result = check(Options(edition_file=project.root / "booklet.yaml"))
    assert result.book is not None and not result.report.errors, [f.format() for f in result.report.findings]
    return result


def cached_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.*"))}


@pytest.mark.root("photos")
@pytest.mark.parametrize("profile", [PRINT, Settings("rgb", 150)], ids=["print", "screen"])
def test_the_pool_makes_the_same_bytes_and_findings_as_one_worker(project, profile):
    project, refs = photo_project(project)
    runs = []
    for workers in (1, 2, 3):
        result = checked(project)
        cache = project.root / f"cache-{workers}"
        stats = prepare_images(
            result.book, result.assets, project.root, profile, result.report, cache_dir=cache, workers=workers
        )
        assert stats.converted == len(refs) and stats.cached == 0
        runs.append(
            (
                cached_files(cache),
                [f.format() for f in result.report.findings],
                {
                    ref: (image.url.rsplit("/", 1)[-1], image.ratio)
                    for ref, image in result.assets.images.items()
                },
            )
        )
    assert runs[0] == runs[1] == runs[2]
    assert any("small.jpg" in line and "[image.low-resolution]" in line for line in runs[0][1])


@pytest.mark.root("photos")
def test_a_second_run_finds_every_photo_without_opening_it(project, monkeypatch):
    project, refs = photo_project(project)
    result = checked(project)
    first = prepare_images(result.book, result.assets, project.root, PRINT, result.report)
    assert first.converted == len(refs)
    opened = []
    path_open = Path.open

    def watched(self, *args, **kwargs):
        opened.append(self)
        return path_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", watched)
    again = checked(project)
    second = prepare_images(again.book, again.assets, project.root, PRINT, again.report, workers=1)
    assert second.cached == len(refs) and second.converted == 0 and second.files == first.files
    assert not [path for path in opened if "assets" in path.parts]  # only the cache's small files


@pytest.mark.root("photos")
def test_a_photo_changed_in_place_is_converted_again(project):
    project, refs = photo_project(project)
    result = checked(project)
    prepare_images(result.book, result.assets, project.root, PRINT, result.report)
    path = project.root / refs[0]
    before = path.stat()
    photo(2400, 1600, 9).save(path, quality=90)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    again = checked(project)
    stats = prepare_images(again.book, again.assets, project.root, PRINT, again.report)
    assert stats.converted == 1 and stats.cached == len(refs) - 1


@pytest.mark.root("photos")
def test_the_same_identity_is_trusted_as_the_same_content(project):
    """The content hash is remembered by path, size, modification time and inode, as imagecheck does."""
    project, refs = photo_project(project)
    result = checked(project)
    prepare_images(result.book, result.assets, project.root, PRINT, result.report)
    path = project.root / refs[0]
    before = path.stat()
    with path.open("r+b") as handle:  # same inode, same size, same time: nothing says it changed
        handle.seek(before.st_size // 2)
        handle.write(b"\0" * 16)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = checked(project)
    assert prepare_images(again.book, again.assets, project.root, PRINT, again.report).converted == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(40, 900),
    height=st.integers(40, 900),
    width_mm=st.floats(5, 200),
    max_height_mm=st.floats(5, 250),
    ppi=st.sampled_from([150, 300]),
    orientation=st.sampled_from([1, 3, 6, 8]),
)
def test_draft_decoding_never_goes_far_below_the_wanted_size(
    width, height, width_mm, max_height_mm, ppi, orientation
):
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = io.BytesIO()
    photo(width, height, 1).save(stored, "JPEG", quality=85, exif=exif.tobytes())
    upright = (height, width) if orientation in (6, 8) else (width, height)
    placed_mm = min(width_mm, max_height_mm / (upright[1] / upright[0]))
    wanted = math.ceil(placed_mm / 25.4 * ppi)
    resized: list[tuple[tuple[int, int], tuple[int, int]]] = []
    resize = Image.Image.resize

    def watched(self, size, *args, **kwargs):
        resized.append((self.size, tuple(size)))
        return resize(self, size, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(Image.Image, "resize", watched)
        data, info = convert(
            stored.getvalue(), Placement(width_mm, max_height_mm, Location("x"), "f"), Settings("rgb", ppi)
        )
    out = Image.open(io.BytesIO(data)).size
    if upright[0] > wanted:
        assert out == (wanted, max(1, round(wanted * upright[1] / upright[0])))
    else:
        assert out == upright  # never upscaled
    for source, target in resized:  # at most 1 % short (images.DRAFT_SHORTFALL), then resampled up
        assert source[0] >= math.ceil(target[0] * 0.99) and source[1] >= math.ceil(target[1] * 0.99), resized
    assert (info["width"], info["height"]) == upright


def test_a_jpeg_is_decoded_at_the_smallest_scale_that_covers_its_placed_size(monkeypatch):
    stored = io.BytesIO()
    photo(2000, 1500, 1).save(stored, "JPEG", quality=85)
    decoded: list[tuple[int, int]] = []
    resize = Image.Image.resize
    monkeypatch.setattr(
        Image.Image,
        "resize",
        lambda self, size, *a, **k: decoded.append(self.size) or resize(self, size, *a, **k),
    )
    data, _ = convert(stored.getvalue(), Placement(40, 200, Location("x"), "f"), PRINT)  # 473 px: 1/4 scale
    assert decoded == [(500, 375)] and Image.open(io.BytesIO(data)).size == (473, 355)


def jpeg(progressive: bool) -> bytes:
    stored = io.BytesIO()
    Image.effect_noise((1600, 1200), 60).convert("RGB").save(
        stored, "JPEG", quality=90, progressive=progressive
    )
    return stored.getvalue()


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_a_truncated_jpeg_is_refused_wherever_it_is_cut(tmp_path, progressive):
    whole = jpeg(progressive)
    cuts = [2, 10, 1000, len(whole) // 3, len(whole) // 2, len(whole) - 700]
    files = []
    for cut in cuts:
        path = tmp_path / f"cut-{cut}.jpg"
        path.write_bytes(whole[:-cut])
        files.append((path, "jpeg"))
    (tmp_path / "whole.jpg").write_bytes(whole)
    files.append((tmp_path / "whole.jpg", "jpeg"))
    for path, _ in files[:-1]:
        with pytest.raises(ImageProblem, match="truncated"):
            inspect_image(path, "jpeg", tmp_path)
    outcomes = inspect_images_cached(files, tmp_path, workers=2)  # refusals come back from the workers
    assert [type(outcome).__name__ for outcome in outcomes] == ["ImageProblem"] * len(cuts) + ["Inspection"]
    assert all("truncated" in str(outcome) for outcome in outcomes[:-1])
    assert (
        len(list((tmp_path / ".cache/imagecheck").iterdir())) == 1
    )  # only the file that passed is remembered


def slow_conversions(monkeypatch, seconds: float, project: Project) -> Path:
    """Conversions that take `seconds` longer, so the parts are laid out before the photos are
    ready; returns the file where each part's layout writes how many stand-ins it had."""
    import booklet.layout.parts

    convert_now = images.convert
    replace_now = booklet.layout.parts.stand_ins_replaced
    log = project.root / "stand-ins.log"

    def later(*args):
        time.sleep(seconds)
        return convert_now(*args)

    def logged(stand_ins, *args):  # runs in the workers (forked after the patch)
        with log.open("a") as handle:
            handle.write(f"{len(stand_ins)}\n")
        return replace_now(stand_ins, *args)

    monkeypatch.setattr(images, "convert", later)
    monkeypatch.setattr(booklet.layout.parts, "stand_ins_replaced", logged)
    return log


def stand_ins_used(log: Path) -> int:
    return sum(int(line) for line in log.read_text().split())


@pytest.mark.root("photos")
def test_photos_converted_while_the_parts_are_laid_out_give_the_same_pdf(project, monkeypatch):
    """A part is laid out from stand-ins of the photos still converting, and waits for them only to
    write its PDF: the same bytes as a build that lays the parts out from the converted files."""
    project, refs = photo_project(project)
    log = slow_conversions(monkeypatch, 0.5, project)
    said: list[str] = []
    build(Options(edition_file=project.root / "booklet.yaml"), said.append)
    assert any(f"converting {len(refs)} images alongside" in line for line in said), said
    assert stand_ins_used(log) > 0
    first = (project.root / "dist/booklet.pdf").read_bytes()
    assert not list((project.root / ".cache/images").glob("*.failed"))
    shutil.rmtree(project.root / ".cache/parts")
    log.unlink()
    said.clear()
    build(Options(edition_file=project.root / "booklet.yaml"), said.append)
    assert not any("alongside" in line for line in said) and stand_ins_used(log) == 0
    assert (project.root / "dist/booklet.pdf").read_bytes() == first


def test_a_stand_in_reads_as_the_converted_photo_would():
    from weasyprint.images import RasterImage

    for mode, wanted in (("CMYK", PRINT), ("RGB", Settings("rgb", 150))):
        data, info = convert(jpeg(False), Placement(60, 110, Location("x.yaml"), "image"), wanted)
        real, stand_in = (
            Image.open(io.BytesIO(data)),
            Image.open(io.BytesIO(images.stand_in((info["out_width"], info["out_height"]), mode))),
        )
        assert (
            (stand_in.size, stand_in.mode)
            == (real.size, real.mode)
            == ((info["out_width"], info["out_height"]), mode)
        )
        options = {"jpeg_quality": None, "dpi": None, "optimize_images": False}
        seen = [RasterImage(image, "id", bytes(1), options=options) for image in (real, stand_in)]
        real_seen, stand_in_seen = ((i.width, i.height, i.mode, i.invert_colors, i.format) for i in seen)
        assert real_seen == stand_in_seen


@pytest.mark.root("photos")
@pytest.mark.parametrize("delay", [0, 0.4], ids=["converted-first", "parts-waiting"])
def test_a_build_refuses_a_truncated_photo_when_it_converts_it(project, monkeypatch, delay):
    """A build reads only the headers of photos it has not seen; their conversion is the check that
    they are whole (at a DCT-reduced scale too), with the message `check` gives, also when the
    parts laid out meanwhile wait for them."""
    import weasyprint  # noqa: F401 - makes Pillow tolerant of truncation, as in `serve`; a build must not be

    log = slow_conversions(monkeypatch, delay, project)

    folder = project.root / "assets/photos"
    folder.mkdir(parents=True)
    stored = io.BytesIO()
    Image.effect_noise((2000, 1500), 60).convert("RGB").save(stored, "JPEG", quality=90)
    large, full = stored.getvalue(), jpeg(False)  # large is placed half wide: decoded at half scale
    files = {
        "whole.jpg": full,
        "cut-end.jpg": full[:-2],
        "cut-half.jpg": full[: len(full) // 2],
        "large-cut-end.jpg": large[:-700],
        "large-cut-half.jpg": large[: len(large) // 2],
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    refs = list(files)
    refs.insert(3, "whole.jpg")  # the large ones fall on the half-wide places (odd positions)
    project.write("chapters/01-photos.yaml", chapter(*(f"assets/photos/{ref}" for ref in refs)))
    with pytest.raises(ContentError) as refused:
        build(Options(edition_file=project.root / "booklet.yaml"))
    lines = {f.format().splitlines()[0] for f in refused.value.report.findings if f.code == "image.invalid"}
    assert len(lines) == 4, lines
    assert all(
        re.search(
            r"cannot be read: image file is truncated .*\(damaged or truncated file\?\) "
            r"\[image\.invalid\]$",
            line,
        )
        for line in lines
    ), lines
    assert not (project.root / "dist/booklet.pdf").exists()
    assert not delay or stand_ins_used(log) > 0
    assert not list((project.root / ".cache/images").glob("*.failed"))
    remembered = list((project.root / ".cache/parts").glob("*.pdf"))  # the front and back matter
    assert remembered and not any(raster_images(path) for path in remembered)  # not the chapter's stand-ins
    assert len(list((project.root / ".cache/imagecheck").iterdir())) == 1  # the whole photo, decoded once
    assert checked_errors(project) == {line.split(": image ")[1] for line in lines}  # check agrees


def raster_images(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return sum(
            1
            for obj in document.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        )


def checked_errors(project: Project) -> set[str]:
    result = check(Options(edition_file=project.root / "booklet.yaml"))
    return {
        f.format().splitlines()[0].split(": image ")[1]
        for f in result.report.findings
        if f.code == "image.invalid"
    }


@pytest.mark.root("photos")
def test_refused_images_are_reported_in_document_order_with_their_lines(project):
    folder = project.root / "assets/photos"
    folder.mkdir(parents=True)
    whole = jpeg(False)
    (folder / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    (folder / "fake.png").write_text("not a picture")
    photo(800, 600, 1).save(folder / "good.jpg")
    photo(800, 600, 2).save(folder / "good.png")
    (folder / "cut2.jpg").write_bytes(whole[:-5])
    refs = ["good.jpg", "cut.jpg", "good.png", "fake.png", "cut2.jpg", "missing.jpg"]
    project.write("chapters/01-photos.yaml", chapter(*(f"assets/photos/{ref}" for ref in refs)))
    findings = check(Options(edition_file=project.root / "booklet.yaml")).report.findings
    lines = [f.format().splitlines()[0] for f in findings if f.code.startswith("image.")]
    expected = [
        r"chapters/01-photos\.yaml:9: error: figure\.image: image assets/photos/cut\.jpg: cannot be read: image file "
        r"is truncated \(\d+ bytes not processed\) \(damaged or truncated file\?\) \[image\.invalid\]",
        r"chapters/01-photos\.yaml:16: error: figure\.image: image assets/photos/fake\.png: the file's content is not "
        r"an image, not png \[image\.invalid\]",
        r"chapters/01-photos\.yaml:20: error: figure\.image: image assets/photos/cut2\.jpg: cannot be read: image file "
        r"is truncated \(\d+ bytes not processed\) \(damaged or truncated file\?\) \[image\.invalid\]",
        r"chapters/01-photos\.yaml:23: warning: figure\.image: image assets/photos/missing\.jpg is missing; a "
        r"placeholder is printed \[image\.missing\]",
    ]
    assert len(lines) == len(expected) and all(re.fullmatch(e, line) for e, line in zip(expected, lines)), (
        lines
    )


@pytest.mark.root("photos")
def test_a_photo_changed_between_its_hash_and_its_conversion_is_not_cached_under_the_old_hash(project):
    project, refs = photo_project(project)
    result = checked(project)
    conversion = images.Conversion(result.book, result.assets, project.root, PRINT)
    photo(2400, 1600, 9).save(project.root / refs[0], quality=90)  # after the survey hashed it
    conversion.start()
    stats = conversion.finish(result.report)
    assert stats.converted == len(refs) - 1
    problems = [f.message for f in result.report.errors]
    assert problems == [f"image {refs[0]}: changed while the book was being built (build again)"]
    assert len(list((project.root / ".cache/images").glob("*.jpg"))) == len(refs) - 1


def test_convert_turns_upright_strips_exif_resamples_and_never_upscales(tmp_path):
    make_photos(tmp_path)
    place = Placement(width_mm=60, max_height_mm=200, location=Location("x"), field="f")
    settings = Settings("cmyk", 300, DEFAULT_ICC.read_bytes())
    data, info = convert((tmp_path / "rotated.jpg").read_bytes(), place, settings)
    out = Image.open(io.BytesIO(data))
    assert out.format == "JPEG" and out.mode == "CMYK"
    assert out.height > out.width  # stored on its side, printed upright
    assert out.width == 709  # 60 mm at 300 ppi, rounded up
    assert not out.getexif() and info["orientation"] == 6
    small, info = convert((tmp_path / "too-small.jpg").read_bytes(), place, settings)
    assert Image.open(io.BytesIO(small)).size == (600, 400) and info["ppi"] == 254.0
    screen, _ = convert((tmp_path / "plain.jpg").read_bytes(), place, Settings("rgb", 150))
    assert Image.open(io.BytesIO(screen)).mode == "RGB" and Image.open(io.BytesIO(screen)).width == 355


def test_embedded_icc_profile_is_used(tmp_path):
    picture = photo(400, 300, 1)
    with_profile, without = io.BytesIO(), io.BytesIO()
    picture.save(with_profile, format="PNG", icc_profile=A98.read_bytes())
    picture.save(without, format="PNG")
    place = Placement(width_mm=30, max_height_mm=200, location=Location("x"), field="f")
    settings = Settings("cmyk", 300, DEFAULT_ICC.read_bytes())
    a, _ = convert(with_profile.getvalue(), place, settings)
    b, _ = convert(without.getvalue(), place, settings)
    pixel_a = Image.open(io.BytesIO(a)).getpixel((200, 150))
    pixel_b = Image.open(io.BytesIO(b)).getpixel((200, 150))
    assert pixel_a != pixel_b  # Adobe RGB values are wider than the same numbers in sRGB
