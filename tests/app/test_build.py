"""The command line on small projects: exit codes, messages, placeholders, safety of the old PDF.

Most start from tests/roots/figures/: a chapter with a photo present, one absent, and a section."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace

import pytest
from PIL import Image
from pypdf import PdfReader

from ..conftest import ROOTS
from ..pdfread import flat, image_count

CHAPTER = (ROOTS / "figures/chapters/01-test.yaml").read_text(encoding="utf-8")


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.root("figures")
def test_build_writes_the_pdf_with_placeholder_and_summary(project):
    done = project.run()
    assert done.returncode == 0, done.stderr
    pdf = project.root / "dist/booklet.pdf"
    assert "Traceback" not in done.stderr
    assert (
        "chapters/01-test.yaml:10: warning: figure.image: image assets/photos/absent.jpg is missing"
        in done.stderr
    )
    assert "1 images missing" in done.stderr and str(pdf) in done.stderr and "pages" in done.stderr
    assert image_count(pdf) == 1  # the present photo; the absent one is a drawn placeholder
    text = flat("".join(p.extract_text() for p in PdfReader(pdf).pages))
    for expected in ("assets/photos/absent.jpg", "缺少的照片。", "已有的照片。", "第一段正文", "（一）小節"):
        assert expected in text
    assert not [name for name in os.listdir(pdf.parent) if name.startswith(".")]  # no temporary or lock files


@pytest.mark.root("figures")
def test_quiet_build_prints_nothing(project):
    done = project.run("-q")
    assert done.returncode == 0 and done.stderr == "" and done.stdout == ""


@pytest.mark.root("figures")
def test_builds_are_byte_identical(project):
    assert project.run("-q", "-o", "a.pdf").returncode == 0
    assert project.run("-q", "-o", "b.pdf").returncode == 0
    assert sha(project.root / "a.pdf") == sha(project.root / "b.pdf")


@pytest.mark.root("figures")
def test_strict_refuses_missing_images_and_keeps_the_old_pdf(project):
    assert project.run("-q").returncode == 0
    pdf = project.root / "dist/booklet.pdf"
    before = sha(pdf)
    done = project.run("--strict")
    assert done.returncode == 1
    assert (
        "chapters/01-test.yaml:10: error: figure.image: image assets/photos/absent.jpg is missing"
        in done.stderr
    )
    assert "Traceback" not in done.stderr and sha(pdf) == before


@pytest.mark.root("figures")
def test_content_error_exits_1_with_location_and_leaves_the_old_pdf(project):
    assert project.run("-q").returncode == 0
    pdf = project.root / "dist/booklet.pdf"
    before = sha(pdf)
    project.write("chapters/01-test.yaml", CHAPTER.replace("size: half", "size: huge"))
    done = project.run()
    assert done.returncode == 1
    assert "chapters/01-test.yaml:12:13: error: blocks[3].figure.size:" in done.stderr
    assert "[schema.value]" in done.stderr and "Traceback" not in done.stderr
    assert sha(pdf) == before
    assert sorted(os.listdir(pdf.parent)) == [
        "booklet.audit.json",
        "booklet.composition.json",
        "booklet.findings.json",
        "booklet.manifest.json",
        "booklet.pdf",
        "booklet.preflight.json",
        "booklet.separations",  # the plates' thumbnails (docs/press.md#press-finishing)
    ]


@pytest.mark.root("figures")
def test_check_validates_without_writing(project):
    done = project.run("check")
    assert done.returncode == 0, done.stderr
    assert not (project.root / "dist").exists()
    project.write("chapters/01-test.yaml", "number: one\ntitle: x\n")
    done = project.run("check")
    assert done.returncode == 1
    assert (
        "chapters/01-test.yaml:1:9: error: number: expected a whole number, got the text 'one' [schema.type]"
        in done.stderr
    )


@pytest.mark.root("figures")
def test_usage_errors_exit_2(project):
    assert project.run("--no-such-flag").returncode == 2
    assert project.run("--edition", "nowhere.yaml").returncode == 2


@pytest.mark.root("minimal")
def test_text_is_printed_literally_never_as_markup_or_template(project):
    project.write(
        "chapters/01-test.yaml",
        """\
        number: 1
        title: 測試
        blocks:
          - paragraph: "{{ 7*7 }} {% raw %} <b>粗</b> <img src='file:///etc/passwd'> &amp;"
    """,
    )
    done = project.run("-q")
    assert done.returncode == 0, done.stderr
    pdf = project.root / "dist/booklet.pdf"
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "{{ 7*7 }} {% raw %} <b>粗</b> <img src='file:///etc/passwd'> &amp;" in text
    assert image_count(pdf) == 0


@pytest.mark.root("figures")
def test_images_outside_the_project_are_refused(project, tmp_path):
    outside = tmp_path / "secret.png"
    Image.new("RGB", (10, 10)).save(outside)
    (project.root / "assets/photos/present.png").unlink()
    (project.root / "assets/photos/present.png").symlink_to(outside)
    done = project.run()
    assert done.returncode == 1
    assert (
        "chapters/01-test.yaml:7: error: figure.image: image assets/photos/present.png: the file lies outside"
        in done.stderr
    )


@pytest.mark.root("figures")
def test_an_image_whose_content_does_not_match_its_name_is_refused(project):
    (project.root / "assets/photos/present.png").write_bytes(b"\xff\xd8\xff\xe0not really a png")
    done = project.run("-q")
    assert done.returncode == 1
    assert (
        "image assets/photos/present.png: the file's content is jpeg, not png [image.invalid]" in done.stderr
    )


@pytest.mark.root("minimal")
def test_news_clip_qr_code_and_map_are_vector_art(project):
    project.write(
        "chapters/01-test.yaml",
        """\
        number: 1
        title: 測試
        blocks:
          - news_clip:
              title: 新聞短片
              date: 2018年5月24日
              source: 中央電視台
              video_url: https://example.org/video/1
          - map:
              caption: 位置示意圖
              places:
                - {name: 澳門, lat: 22.1987, lon: 113.5439}
                - {name: 從江縣, lat: 25.7532, lon: 108.9054}
    """,
    )
    done = project.run("-q")
    assert done.returncode == 0, done.stderr
    pdf = project.root / "dist/booklet.pdf"
    text = flat("".join(p.extract_text() for p in PdfReader(pdf).pages))
    assert "時間：2018年5月24日" in text and "澳門" in text and "從江縣" in text
    assert image_count(pdf) == 0


@pytest.mark.root("minimal")
def test_profile_flags_and_usage(project):
    project.edition_with("profile: screen\n")
    assert project.run("-q").returncode == 0
    assert (project.root / "dist/booklet.screen.pdf").is_file() and not (
        project.root / "dist/booklet.pdf"
    ).exists()
    assert project.run("--all", "-o", "x.pdf").returncode == 2
    assert project.run("--print", "--screen").returncode == 2
    project.edition_with("profile: poster\n")
    done = project.run()
    assert done.returncode == 1 and "unknown profile 'poster'" in done.stderr


@pytest.mark.root("figures")
def test_a_build_without_preflight_leaves_no_report_of_the_earlier_pdf(project):
    from booklet.app.build import build
    from booklet.app.project import Options

    sidecar = project.root / "dist/booklet.proof.preflight.json"
    options = Options(edition_file=project.root / "booklet.yaml", profile="proof", jobs=1)
    assert build(options).preflight is not None and sidecar.is_file()
    result = build(replace(options, preflight=False))  # the live preview's builds
    assert result.preflight is None and not sidecar.exists()
    assert (project.root / "dist/booklet.proof.pdf").is_file()
