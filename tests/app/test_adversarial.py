"""Hostile input never breaks a build badly.

One test per attack of issue 6. Each asserts the exit code, a message naming the file and
the field (or the stylesheet line), no traceback, and that the previous PDF is untouched.
Most run the command line in-process (booklet.cli.main) for speed; the ones about killing
and locking run real processes. Every test starts from the fixture project tests/roots/minimal/
(one chapter, GOOD) and writes the hostile chapter, file or edition it is about.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from booklet import cli

from ..conftest import REPO, ROOTS, Project
from ..pdfread import flat, image_count

pytestmark = pytest.mark.root("minimal")

OLD_PDF = b"%PDF-1.7\n% the previous build, which no failed build may touch\n%%EOF\n"
CHAPTER = "chapters/01-test.yaml"
GOOD = (ROOTS / "minimal" / CHAPTER).read_text(encoding="utf-8")  # five lines: a lead, a paragraph
LONG = (
    "number: 1\ntitle: 長文\nblocks:\n  - lead: 導語。\n  - paragraph: "
    + "從江縣脫貧攻堅，澳門幫扶。" * 25000
    + "\n"
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def setup(project: Project, chapter: str | bytes | None = None) -> Project:
    """The minimal project, its chapter replaced by `chapter` if given, and a previous PDF in dist/."""
    if chapter is not None:
        (project.root / CHAPTER).write_bytes(chapter if isinstance(chapter, bytes) else chapter.encode())
    (project.root / "dist").mkdir(exist_ok=True)
    (project.root / "dist/booklet.pdf").write_bytes(OLD_PDF)
    return project


def figure(image: str) -> str:
    return GOOD + f"  - figure:\n      image: {image}\n      caption: 照片。\n"


def run(project: Project, *args: str) -> tuple[int, str]:
    """The command line in-process: exit code and everything it printed."""
    out = io.StringIO()
    with contextlib.redirect_stderr(out), contextlib.redirect_stdout(out):
        code = cli.main(["--edition", str(project.root / "booklet.yaml"), *args])
    return code, out.getvalue()


def assert_refused(project: Project, code: int, output: str, expected_code: int, *messages: str) -> None:
    assert code == expected_code, output
    for message in messages:
        assert message in output, output
    assert "Traceback" not in output
    dist = project.root / "dist"
    assert (dist / "booklet.pdf").read_bytes() == OLD_PDF
    assert sorted(os.listdir(dist)) == ["booklet.pdf"]  # no temporary file, no lock left


def assert_built(project: Project, code: int, output: str) -> Path:
    assert code == 0, output
    pdf = project.root / "dist/booklet.pdf"
    assert pdf.read_bytes() != OLD_PDF and "Traceback" not in output
    return pdf


def pdf_text(pdf: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(pdf).pages)


# ---------------------------------------------------------------- files and paths


def test_path_traversal_in_an_image_path(project):
    setup(project, figure("assets/../../../../../etc/passwd.png"))
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:7:14: error: blocks[2].figure.image: expected a path under assets/ without '..'",
    )


def test_path_traversal_in_the_chapter_list(project):
    setup(project)
    project.edition("../../../../etc/passwd")
    assert_refused(
        project,
        *run(project),
        1,
        "booklet.yaml:10:5: error: chapters[0]: chapter file '../../../../etc/passwd' is outside the project",
    )


def test_symlink_out_of_the_project(project, tmp_path):
    setup(project, figure("assets/photos/secret.png"))
    secret = tmp_path / "secret.png"
    Image.new("RGB", (10, 10)).save(secret)
    (project.root / "assets/photos").mkdir(parents=True)
    (project.root / "assets/photos/secret.png").symlink_to(secret)
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:7: error: figure.image: image assets/photos/secret.png: the file lies outside the project",
    )


def test_dev_zero_as_image_and_as_chapter(project):
    setup(project, figure("assets/photos/zero.jpg"))
    (project.root / "assets/photos").mkdir(parents=True)
    (project.root / "assets/photos/zero.jpg").symlink_to("/dev/zero")
    (project.root / "chapters/02-zero.yaml").symlink_to("/dev/zero")
    project.edition(CHAPTER, "chapters/02-zero.yaml")
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:7: error: figure.image: image assets/photos/zero.jpg: the file lies outside the project",
        "booklet.yaml:11:5: error: chapters[1]: chapter file 'chapters/02-zero.yaml' is outside the project",
    )


def test_fifo_as_image_and_as_chapter_never_blocks(project):
    setup(project, figure("assets/photos/pipe.jpg"))
    (project.root / "assets/photos").mkdir(parents=True)
    os.mkfifo(project.root / "assets/photos/pipe.jpg")
    os.mkfifo(project.root / "chapters/02-pipe.yaml")
    project.edition(CHAPTER, "chapters/02-pipe.yaml")
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:7: error: figure.image: image assets/photos/pipe.jpg: not a regular file",
        "booklet.yaml:11:5: error: chapters[1]: chapter file 'chapters/02-pipe.yaml' is not a regular file",
    )


# ---------------------------------------------------------------- what the renderer may read


def test_file_url_in_text_is_printed_not_fetched_nor_attached(project):
    hostile = (
        '<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd"> '
        '<a rel="attachment" href="file:///etc/passwd">附件</a> <em>強調</em>'
    )
    setup(project, GOOD + f"  - paragraph: '{hostile}'\n  - heading: '{hostile}'\n")
    pdf = assert_built(project, *run(project, "-q"))
    reader = PdfReader(pdf)
    assert not reader.attachments and "/EmbeddedFiles" not in str(reader.trailer["/Root"])
    assert image_count(pdf) == 0
    text = flat(pdf_text(pdf))
    literal = flat(hostile)
    assert literal.replace("<em>強調</em>", "強調") in text  # paragraph: markup subset only
    assert literal in text  # heading: no markup at all
    assert "root:" not in text


def test_file_url_in_css_is_refused_with_the_stylesheet_line(project):
    setup(project)
    blocks = project.root / "styles/blocks.css"
    lines = blocks.read_text().count("\n")
    blocks.write_text(blocks.read_text() + ".paragraph { background: url(file:///etc/passwd); }\n")
    assert_refused(
        project,
        *run(project),
        1,
        f"styles/blocks.css:{lines + 1}: error: the renderer may not read file:///etc/passwd "
        "(outside the project or not a regular file) [fetch.refused]",
    )


def test_network_urls_are_refused_without_any_connection(project, monkeypatch):
    attempts: list[object] = []

    def spy(*args, **kwargs):
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", spy)
    monkeypatch.setattr(socket.socket, "connect_ex", spy)
    monkeypatch.setattr(socket, "create_connection", spy)
    monkeypatch.setattr(socket, "getaddrinfo", spy)
    setup(project, figure("assets/art/net.svg"))
    (project.root / "assets/art").mkdir(parents=True)
    (project.root / "assets/art/net.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><image href="https://example.org/x.png"/></svg>'
    )
    variables = project.root / "styles/variables.css"
    variables.write_text("@import url(http://example.org/evil.css);\n" + variables.read_text())
    blocks = project.root / "styles/blocks.css"
    blocks.write_text(blocks.read_text() + ".lead { background: url(https://example.org/x.png); }\n")
    code, output = run(project)
    assert_refused(
        project,
        code,
        output,
        1,
        f"{CHAPTER}:7: error: figure.image: image assets/art/net.svg: the SVG refers to "
        "'https://example.org/x.png'; only files inside the project may be used",
    )
    assert attempts == []
    # with the SVG fixed, the stylesheets' URLs reach the renderer, which refuses them: still no connection
    (project.root / "assets/art/net.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5"/></svg>'
    )
    assert_refused(
        project,
        *run(project),
        1,
        "styles/variables.css:1: error: the renderer may not read http://example.org/evil.css",
        "error: the renderer may not read https://example.org/x.png",
    )
    assert attempts == []


def test_edition_fields_cannot_inject_css(project):
    setup(project)
    injected = 'x"; } @page { background: url(file:///etc/passwd) } body { color: "red'
    text = (project.root / "booklet.yaml").read_text().replace("title: 測試圖冊", f"title: '{injected}'")
    (project.root / "booklet.yaml").write_text(text)
    pdf = assert_built(project, *run(project, "-q"))  # the title is a CSS string: nothing is fetched
    assert flat(injected) in flat(pdf_text(pdf))
    (project.root / "booklet.yaml").write_text(
        text + "trim: {width: '210mm; background: url(file:///etc/passwd)'}\n"
    )
    (project.root / "dist/booklet.pdf").write_bytes(OLD_PDF)
    for sidecar in (project.root / "dist").glob("booklet.*.json"):  # findings, audit, preflight, manifest
        sidecar.unlink()
    shutil.rmtree(project.root / "dist/booklet.separations")  # the plates' thumbnails
    assert_refused(
        project, *run(project), 1, "booklet.yaml:11:15: error: trim.width: String should match pattern"
    )


# ---------------------------------------------------------------- YAML


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "number: !!python/object/apply:os.system ['touch pwned']\ntitle: x\n",
            f"{CHAPTER}:1:9: error: number: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed [yaml.tag]",
        ),
        (
            "number: 1\ntitle: !!python/name:os.system\n",
            f"{CHAPTER}:2:8: error: title: tag 'tag:yaml.org,2002:python/name:os.system' is not allowed [yaml.tag]",
        ),
        (
            "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
            "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
            f"{CHAPTER}:2:8: error: anchors and aliases are not allowed [yaml.alias]",
        ),
        ("number: 1\ntitle: x\nblocks: " + "[" * 50_000 + "]" * 50_000 + "\n", f"{CHAPTER}:3:"),
        (
            "number: 1\ntitle: 甲\ntitle: 乙\n",
            f"{CHAPTER}:3:1: error: title: duplicate key 'title' (first at line 2) [yaml.duplicate-key]",
        ),
        (
            b"number: 1\ntitle: \xe6\xb8\xac\xff\n",
            f"{CHAPTER}:2:11: error: invalid UTF-8 (byte 0xff); save the file as UTF-8 [yaml.encoding]",
        ),
        (
            "number: 1\ntitle: x\nblocks:\n\t- paragraph: y\n",
            f"{CHAPTER}:4:1: error: found character '\\t' that cannot start any token (YAML does not allow tabs",
        ),
        (
            "number: 1\ntitle: x\nblocks:\n  - paragraph: '" + "字" * 800_000 + "'\n",
            f"{CHAPTER}: error: file is over 2048 KiB [yaml.too-large]",
        ),
    ],
    ids=[
        "python-object",
        "python-name",
        "alias-bomb",
        "50000-brackets",
        "duplicate-key",
        "bad-utf8",
        "tab",
        "size-cap",
    ],
)
def test_hostile_yaml_is_a_located_error(project, content, expected):
    setup(project, content)
    code, output = run(project)
    assert_refused(project, code, output, 1, expected)
    assert not (project.root / "pwned").exists()
    if "brackets" in expected or expected.endswith(":3:"):
        assert "[yaml.too-deep]" in output


def test_150_nested_blocks_stop_at_the_depth_cap(project):
    setup(project, GOOD + "  - " + "- " * 150 + "深\n")  # blocks nested 150 deep in block style
    assert_refused(project, *run(project), 1, f"{CHAPTER}:", "nesting deeper than 40 levels [yaml.too-deep]")


def test_errors_of_every_file_are_reported_together(project):
    setup(project, "number: 1\ntitle: 甲\ntitle: 乙\n")
    project.write("chapters/02-b.yaml", "")
    (project.root / "chapters/02-b.yaml").write_bytes(b"number: 2\ntitle: \xff\n")
    project.write("chapters/03-c.yaml", "number: 3\ntitle: 丙\nblocks:\n  - figure: {image: x.jpg}\n")
    project.edition(CHAPTER, "chapters/02-b.yaml", "chapters/03-c.yaml")
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:3:1: error: title: duplicate key 'title'",
        "chapters/02-b.yaml:2:8: error: invalid UTF-8",
        "chapters/03-c.yaml:4:21: error: blocks[0].figure.image: expected a path under assets/ without",
        "3 content errors",
    )


# ---------------------------------------------------------------- text and markup


def test_template_injection_is_printed_literally(project):
    hostile = "{{ 7*7 }} {% include 'book.html' %} {{ self.__init__.__globals__ }} {# c #} ${x}"
    setup(
        project,
        GOOD + f'  - paragraph: "{hostile}"\n  - heading: "{hostile}"\n'
        f'  - figure:\n      image: assets/none.jpg\n      caption: "{hostile}"\n',
    )
    pdf = assert_built(project, *run(project, "-q"))
    text = flat(pdf_text(pdf))
    assert text.count(flat(hostile)) >= 3 and "49" not in text  # paragraph, heading, caption (+ placeholder)


def test_a_thousand_nested_b_tags_are_text(project):
    setup(project, GOOD + "  - paragraph: '" + "<b>" * 1000 + "深" + "</b>" * 1000 + "'\n")
    pdf = assert_built(project, *run(project, "-q"))
    text = flat(pdf_text(pdf))
    assert "<b>深</b>" in text and "<b>" * 100 in text and "</b>" * 100 in text
    assert text.count("<b>") >= 995  # a page break (running head, folio) may split one tag


def test_a_thousand_nested_em_tags_are_a_located_error(project):
    setup(project, GOOD + "  - paragraph: '" + "<em>" * 1000 + "深" + "</em>" * 1000 + "'\n")
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:6:16: error: blocks[2].paragraph: inline markup nested deeper than 3 levels "
        "[markup.invalid]",
    )


def test_unclosed_markup_in_a_caption_is_a_located_error(project):
    setup(
        project,
        GOOD + "  - gallery:\n      images:\n        - {image: assets/a.jpg, caption: '<strong>甲'}\n",
    )
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:8:42: error: blocks[2].gallery.images[0].caption: <strong> is never closed",
    )


# ---------------------------------------------------------------- images


def photos(project: Project) -> Path:
    folder = project.root / "assets/photos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_100_megapixel_png_of_12_kb_is_refused(project):
    setup(project, figure("assets/photos/bomb.png"))
    bomb = photos(project) / "bomb.png"
    Image.new("1", (10_000, 10_000)).save(bomb, optimize=True)
    assert bomb.stat().st_size < 20_000
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:7: error: figure.image: image assets/photos/bomb.png: 10000×10000 pixels is over "
        "the 50,000,000 pixel cap [image.invalid]",
    )


def test_svg_named_png_is_refused(project):
    setup(project, figure("assets/photos/fake.png"))
    (photos(project) / "fake.png").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'
    )
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:7: error: figure.image: image assets/photos/fake.png: the file's content is svg, not png",
    )


def test_truncated_jpeg_is_refused(project):
    setup(project, figure("assets/photos/cut.jpg"))
    whole = io.BytesIO()
    Image.effect_noise((400, 300), 50).convert("RGB").save(whole, "JPEG")
    (photos(project) / "cut.jpg").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:7: error: figure.image: image assets/photos/cut.jpg: cannot be read: image file is "
        "truncated",
    )


@pytest.mark.parametrize(
    ("svg", "expected"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
            "SVG with its own DOCTYPE (entities, external DTD) is refused",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            '<image xlink:href="file:///etc/passwd"/></svg>',
            "the SVG refers to 'file:///etc/passwd', outside the project or not a regular file",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><image href="../../../../../../../../../../../../../../../../../../../../etc/passwd"/></svg>',
            "the SVG refers to '../../../../../../../../../../../../../../../../../../../../etc/passwd', outside the project or not a regular file",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(/etc/passwd)"/></svg>',
            "the SVG refers to '/etc/passwd', outside the project",
        ),
    ],
    ids=["xxe", "xlink-file", "relative-out", "css-url"],
)
def test_hostile_svg_is_refused(project, svg, expected):
    setup(project, figure("assets/art/x.svg"))
    (project.root / "assets/art").mkdir(parents=True)
    (project.root / "assets/art/x.svg").write_text(svg)
    assert_refused(
        project, *run(project), 1, f"{CHAPTER}:7: error: figure.image: image assets/art/x.svg: {expected}"
    )


def test_a_safe_svg_with_the_standard_doctype_prints(project):
    setup(project, figure("assets/art/ok.svg"))
    (project.root / "assets/art").mkdir(parents=True)
    (project.root / "assets/art/ok.svg").write_text(
        '<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg" '
        'viewBox="0 0 20 10"><defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient>'
        '</defs><rect width="20" height="10" fill="url(#g)"/></svg>'
    )
    assert_built(project, *run(project, "-q"))


# ---------------------------------------------------------------- size and time


def test_20000_row_table_is_a_located_error(project):
    rows = "".join(f"        - [第{i}行, 內容]\n" for i in range(20_000))
    setup(project, GOOD + "  - table:\n      columns: [甲, 乙]\n      rows:\n" + rows)
    assert_refused(
        project,
        *run(project),
        1,
        f"{CHAPTER}:9:9: error: blocks[2].table.rows: 20000 items, over the cap of 1000; split it",
    )


def test_a_layout_over_the_time_limit_names_the_chapter_and_exits_3(project):
    setup(project, LONG)
    assert_refused(
        project,
        *run(project, "--time-limit", "2"),
        3,
        f"{CHAPTER}:5: error: laying out this block (page ",
        "took longer than the 2 s time limit (--time-limit) [render.limit]",
        f"build failed: the renderer stopped: laying out {CHAPTER} (page ",
    )


def test_a_layout_over_the_memory_limit_exits_3(project):
    setup(project, LONG)
    assert_refused(
        project,
        *run(project, "--memory-limit", "8"),
        3,
        "needed more than the 8 MiB memory limit (--memory-limit) [render.limit]",
        "build failed: the renderer stopped",
    )


# ---------------------------------------------------------------- output: interruption and locking


def start(project: Project, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lock(project: Project, process: subprocess.Popen) -> str:
    lock = project.root / "dist/.booklet.pdf.lock"
    for _ in range(600):
        if lock.exists() and lock.read_text().startswith("process"):
            return lock.read_text()
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the build never took the lock")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["term", "int", "kill"])
def test_an_interrupted_build_leaves_the_old_pdf_and_no_temporary_files(project, how):
    setup(project, LONG)
    process = start(project)
    wait_for_lock(project, process)
    time.sleep(0.5)  # well inside the layout
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    dist = project.root / "dist"
    assert (dist / "booklet.pdf").read_bytes() == OLD_PDF
    assert not [name for name in os.listdir(dist) if name.endswith(".tmp")]
    if how != signal.SIGKILL:
        assert process.returncode == 130 and "Traceback" not in stderr
        assert "interrupted; the previous PDF is untouched" in stderr
        assert sorted(os.listdir(dist)) == ["booklet.pdf"]
    # the next build works and clears what a killed one could not
    (project.root / CHAPTER).write_text(GOOD)
    (dist / ".booklet.pdf.abcd1234.tmp").write_bytes(b"half a PDF")
    assert run(project, "-q")[0] == 0
    assert sorted(os.listdir(dist)) == [
        "booklet.audit.json",
        "booklet.composition.json",
        "booklet.findings.json",
        "booklet.manifest.json",
        "booklet.pdf",
        "booklet.preflight.json",
        "booklet.separations",  # the plates' thumbnails (docs/press.md#press-finishing)
    ]


def test_a_second_build_of_the_same_output_exits_4_naming_the_first(project):
    setup(project, LONG)
    first = start(project)
    try:
        holder = wait_for_lock(project, first)
        assert holder == f"process {first.pid}"
        code, output = run(project)
        assert code == 4, output
        assert f"dist/booklet.pdf is being built by process {first.pid}; try again when it ends" in output
        assert "Traceback" not in output
        assert (project.root / "dist/booklet.pdf").read_bytes() == OLD_PDF
    finally:
        first.terminate()
        first.communicate(timeout=60)
    assert first.returncode == 130
    assert sorted(os.listdir(project.root / "dist")) == ["booklet.pdf"]


# ---------------------------------------------------------------- fuzzing


SEED = (
    GOOD
    + """\
  - figure:
      image: assets/photos/none.jpg
      caption: '<em>說明</em>'
  - table:
      columns: [甲, 乙]
      rows:
        - [一, {text: 二, colspan: 1}]
sections:
  - title: 小節
    blocks:
      - quote: {text: [引文。], speaker: 某人}
"""
)


@st.composite
def mutated(draw) -> bytes:
    """The seed chapter with a few bytes, or a few characters, replaced, inserted or deleted."""
    as_text = draw(st.booleans())  # characters keep the UTF-8 valid, so more mutants reach the renderer
    data = bytearray(SEED.encode())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        if as_text:
            at = len(SEED[:at].encode()) if at <= len(SEED) else len(data)
        action = draw(st.sampled_from(["replace", "insert", "delete"]))
        chunk = (
            draw(st.text(min_size=1, max_size=6)).encode()
            if as_text
            else draw(st.binary(min_size=1, max_size=8))
        )
        if action == "replace":
            data[at : at + len(chunk)] = chunk
        elif action == "insert":
            data[at:at] = chunk
        else:
            del data[at : at + len(chunk)]
    return bytes(data)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=st.one_of(st.binary(max_size=400), mutated(), st.text(max_size=200).map(str.encode)))
def test_any_bytes_in_a_chapter_give_exit_0_or_1_with_located_messages(tmp_path_factory, content):
    project = setup(Project(tmp_path_factory.mktemp("fuzz") / "project", "minimal"), content)
    code, output = run(project)
    assert code in (0, 1), output
    assert "Traceback" not in output and "internal error" not in output
    errors = [line for line in output.splitlines() if " error: " in line or line.startswith("error:")]
    if code == 1:
        assert errors, output
        for line in errors:
            assert line.startswith((CHAPTER + ":", CHAPTER + ": ")), line
    else:
        assert not errors


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=80))
def test_any_text_in_a_paragraph_prints_or_is_a_located_error(tmp_path_factory, text):
    """Every mutant above fails before layout; arbitrary text (controls, markup, escapes) goes through it."""
    paragraph = json.dumps(text)  # a YAML double-quoted scalar: any character, escaped
    project = setup(
        Project(tmp_path_factory.mktemp("text") / "project", "minimal"),
        GOOD + f"  - paragraph: {paragraph}\n",
    )
    code, output = run(project, "-q")
    assert code in (0, 1), output
    assert "Traceback" not in output and "internal error" not in output
    if code == 1:
        assert output.startswith(f"{CHAPTER}:6:16: error: blocks[2].paragraph: "), output
