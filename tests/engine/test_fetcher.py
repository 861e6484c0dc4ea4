"""The confined fetcher, and where refused URLs and WeasyPrint's errors are located."""

from __future__ import annotations

from pathlib import Path

import pytest

from booklet.core.findings import Location, Report
from booklet.engine.fetcher import Origins, url_in_message
from booklet.engine.render import render_document


def test_renderer_errors_become_findings_located_at_the_block(tmp_path):
    """An image the checks never saw (here: garbage named .png) makes WeasyPrint log an ERROR."""
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    html = (
        '<html><body><p data-source="chapters/01-a.yaml:3">甲</p>'
        '<figure data-source="chapters/01-a.yaml:7"><img src="broken.png"></figure>'
        '<img src="file:///etc/passwd"><img src="http://example.org/x.png"></body></html>'
    )
    report = Report()
    render_document(html, ["@page { size: A6 }"], tmp_path, report)
    by_code = {(f.code, str(f.location)): f.message for f in report.findings}
    assert any(
        code == "render.error" and where == "chapters/01-a.yaml:7" and "broken.png" in message
        for (code, where), message in by_code.items()
    ), report.findings
    refused = [f for f in report.findings if f.code == "fetch.refused"]
    assert sorted(f.message for f in refused) == [
        "the renderer may not read file:///etc/passwd (outside the project or not a regular file)",
        "the renderer may not read http://example.org/x.png (only files inside the project may be read, "
        "never the network)",
    ]
    assert all(str(f.location) == "chapters/01-a.yaml:7" for f in refused)  # the last block before them


def test_origins_prefer_the_image_field_then_the_block_then_the_stylesheet_line():
    origins = Origins(
        html='<p data-source="c.yaml:2">x</p><div data-source="c.yaml:9"><img src="file:///p/a.png"></div>',
        images={"file:///p/b.png": [(Location("c.yaml", 12), "gallery.images[1].image")]},
        stylesheets={"styles/blocks.css": "p {}\n.x { background: url(file:///etc/passwd) }\n"},
    )
    assert origins.locate("file:///p/b.png") == {
        "location": Location("c.yaml", 12),
        "field": "gallery.images[1].image",
    }
    assert origins.locate("file:///p/a.png") == {"location": Location("c.yaml", 9)}
    assert origins.locate("file:///etc/passwd") == {"location": Location("styles/blocks.css", 2)}
    assert origins.locate("file:///elsewhere/zz") == {}


@pytest.mark.parametrize(
    ("message", "url"),
    [
        ("Failed to load image at 'file:///p/x.png': ImageLoadingError", "file:///p/x.png"),
        ("Failed to load stylesheet at http://e.org/a.css: refused", "http://e.org/a.css"),
        ("Failed to render SVG image file:///p/y.svg", "file:///p/y.svg"),
        ("Anchor defined twice: 'x'", None),
    ],
)
def test_the_url_a_log_line_is_about(message, url):
    assert url_in_message(message) == url


def test_refused_paths_never_reach_the_disk(tmp_path: Path):
    inside = tmp_path / "project"
    inside.mkdir()
    (inside / "ok.css").write_text("p { color: red }")
    (tmp_path / "secret.css").write_text("p { color: blue }")
    (inside / "link.css").symlink_to(tmp_path / "secret.css")
    from booklet.engine.fetcher import ConfinedFetcher

    confined = ConfinedFetcher(inside.resolve())
    fetch = confined.make()
    assert fetch.fetch((inside / "ok.css").as_uri()).read() == b"p { color: red }"
    for url in (
        (inside / "link.css").as_uri(),
        (tmp_path / "secret.css").as_uri(),
        "file://server/share/x.css",
        "ftp://example.org/x",
        "data:text/css," + "x" * 70_000,
    ):
        with pytest.raises(ValueError, match="refused"):
            fetch.fetch(url)
    assert len(confined.refused) == 5
