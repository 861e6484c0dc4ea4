"""The engine: every WeasyPrint internal it uses exists and still behaves as the code expects, the
patches install and uninstall cleanly, and another WeasyPrint version is refused."""

from __future__ import annotations

import ast
import importlib
import logging

import pytest

from booklet import engine
from booklet.core.findings import BuildError, Report
from booklet.engine import boxes, limits
from booklet.engine.fetcher import url_in_message
from booklet.engine.render import render_document
from booklet.pdf.audit import lines_of

from ..conftest import REPO

ENGINE = REPO / "booklet" / "engine"
# What the patches replace: (module, attribute path).
PATCHED = [
    ("weasyprint.layout.inline", "text_align"),
    ("weasyprint.draw.text", "draw_first_line"),
    ("weasyprint.pdf.fonts", "Font.__init__"),
    ("weasyprint.pdf.fonts", "Font._harfbuzz_subset"),
    ("weasyprint.pdf.fonts", "Font.clean"),
    ("weasyprint.pdf.tags", "_build_box_tree"),
    ("weasyprint.pdf.stream", "Stream.marked"),
]


def _resolve(module: str, path: str):
    value = importlib.import_module(module)
    for name in path.split("."):
        value = getattr(value, name)
    return value


def internals_used() -> set[tuple[str, str]]:
    """(module, attribute path) of every WeasyPrint name the engine's code names: the names it
    imports, and the attributes it reads from WeasyPrint modules it imported by name."""
    used: set[tuple[str, str]] = set()
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: dict[str, str] = {}  # local name → WeasyPrint module
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("weasyprint"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    try:
                        importlib.import_module(full)
                        modules[alias.asname or alias.name] = full
                    except ImportError:
                        used.add((node.module, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("weasyprint"):
                        modules[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name | ast.Attribute):
                chain = ast.unparse(node).split(".")
                if chain[0] in modules and not isinstance(node.ctx, ast.Store):
                    used.add((modules[chain[0]], ".".join(chain[1:])))
    return used


def test_every_weasyprint_internal_the_engine_names_exists():
    used = internals_used()
    assert len(used) > 25  # the walk finds the engine's names (it is not vacuous)
    assert {("weasyprint.layout.inline", "text_align"), ("weasyprint.images", "LazyLocalImage")} <= used
    missing = []
    for module, path in sorted(used):
        if path.endswith(("booklet_patch", "file_content")):
            continue  # attributes the patches themselves add
        try:
            _resolve(module, path)
        except (ImportError, AttributeError):
            missing.append(f"{module}.{path}")
    assert missing == []


def test_install_and_uninstall_put_back_exactly_what_was_there():
    was_installed = engine.installed()
    engine.uninstall()
    assert not engine.installed()
    pristine = [_resolve(module, path) for module, path in PATCHED]
    engine.install()
    engine.install()  # idempotent
    assert engine.installed()
    assert all(_resolve(m, p) is not original for (m, p), original in zip(PATCHED, pristine))
    engine.uninstall()
    assert not engine.installed()
    assert all(_resolve(m, p) is original for (m, p), original in zip(PATCHED, pristine))
    from weasyprint.pdf import fonts

    assert not hasattr(fonts.Font, "file_content") and not hasattr(fonts.Font, "booklet_patch")
    if was_installed:
        engine.install()


@pytest.mark.parametrize("version", ["71.0", "69.1", "100.0", "nightly"])
def test_another_weasyprint_version_fails_loudly(version):
    with pytest.raises(BuildError) as refused:
        engine.check_version(version)
    assert refused.value.exit_code == 3 and f"WeasyPrint {version} is not supported" in str(refused.value)


def test_the_supported_versions_pass():
    engine.check_version("70.0")
    engine.check_version("70.2")
    engine.check_version()  # the installed one


PAGE = """<html lang="zh-Hant"><head><style>
@page { size: 60mm 80mm; margin: 8mm }
p { font-family: "Noto Serif CJK TC"; font-size: 10pt; text-align: justify }
</style></head><body>
<p data-source="chapters/t.yaml:3">澳門特別行政區政府與貴州省從江縣攜手合作，推動教育、產業、消費、勞務、健康、安居和旅遊等方面的幫扶工作，成效顯著。</p>
</body></html>"""


def test_the_boxes_the_engine_reads_are_there(tmp_path):
    """A real render: the page boxes, lines and text runs the audit, the proof and the diff read."""
    report = Report()
    document = render_document(PAGE, [], tmp_path, report)
    assert report.findings == []
    top = boxes.page_box(document.pages[0])
    assert top.margin_left > 0 and top.descendants  # what the proof reads
    found, _ = lines_of(document)
    assert len(found) >= 3 and all(line.text for line in found)
    full = [line for line in found if not line.final]
    assert all(line.justified for line in full)
    assert any(boxes.is_text(box) for box in top.descendants())
    assert not boxes.is_line(top) and boxes.children(top)


def test_weasyprint_logs_a_failed_resource_as_the_engine_parses_it(tmp_path):
    """The URL is read out of WeasyPrint's own log line (render.error findings name the image)."""
    from weasyprint import HTML

    messages = []

    class Keep(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    url = (tmp_path / "absent.png").as_uri()
    logger = logging.getLogger("weasyprint")
    handler = Keep()
    logger.addHandler(handler)
    try:
        HTML(string=f'<img src="{url}">').render()
    finally:
        logger.removeHandler(handler)
    assert [url_in_message(message) for message in messages if url in message] == [url]


def test_the_progress_lines_the_limits_watch_are_logged():
    """engine/limits.py reads WeasyPrint's progress messages: their text is part of what the engine uses."""
    from weasyprint import HTML

    seen = []
    watch = limits._Watch(deadline=float("inf"), rss_cap=None)
    emit = watch.emit
    watch.emit = lambda record: (seen.append(record.getMessage()), emit(record))
    progress = logging.getLogger("weasyprint.progress")
    saved = progress.level
    progress.addHandler(watch)
    progress.setLevel(logging.INFO)
    try:
        HTML(string="<p>a</p><p style='break-before: page'>b</p>").render()
    finally:
        progress.removeHandler(watch)
        progress.setLevel(saved)
    assert any(message.startswith("Step 5 - Creating layout - Page") for message in seen)
    assert watch.page == 2


def test_another_weasyprint_version_is_refused(monkeypatch):
    import weasyprint

    from booklet import engine
    from booklet.core.findings import BuildError

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(BuildError) as refused:
        engine.install()
    assert refused.value.exit_code == 3 and "WeasyPrint 71.0 is not supported" in str(refused.value)
    assert "70.x" in str(refused.value)
