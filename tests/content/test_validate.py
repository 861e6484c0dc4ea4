"""Chapter and edition files → model: every error names file:line:column, the field, what was expected."""

from booklet.content.validate import load_book, load_chapter
from booklet.core.findings import Report


def findings(project, chapter_text: str) -> list[str]:
    path = project.write("chapters/01-a.yaml", chapter_text)
    report = Report()
    load_chapter(path, project.root, report)
    return [f.format() for f in report.findings]


def test_a_valid_chapter_becomes_the_model(project):
    path = project.write(
        "chapters/04-impact.yaml",
        """\
        number: 4
        title: 幫扶成效
        blocks:
          - lead: 導語。
        sections:
          - title: 教育幫扶
            blocks:
              - paragraph: 正文。
              - table:
                  columns: [從江學校, 澳門學校]
                  rows:
                    - [甲, {text: 乙, rowspan: 2}]
                    - [丙]
                  partial: true
    """,
    )
    report = Report()
    chapter = load_chapter(path, project.root, report)
    assert report.findings == []
    assert (chapter.numeral, chapter.anchor) == ("四", "04-impact")
    section = chapter.sections[0]
    assert (section.numeral, section.title, section.anchor, section.line) == (
        "一",
        "教育幫扶",
        "04-impact-1",
        6,
    )
    kinds = [(p.kind, p.line) for p in chapter.all_blocks()]
    assert kinds == [("lead", 4), ("paragraph", 8), ("table", 10)]
    table = section.blocks[1].block
    assert table.cells[0][1].rowspan == 2 and table.partial


def test_schema_errors_are_all_reported_with_locations(project):
    assert findings(
        project,
        """\
        number: 1
        title: 甲
        blocks:
          - paragraph: 正文。
          - figure:
              image: assets/photos/x.jpg
              size: huge
              captoin: 錯字
          - figur: {}
          - paragraph: [1]
          - table:
              columns: [a]
              rows: [[b, {text: c, rowspan: zero}]]
        sections:
          - title: 乙
            blocks: oops
    """,
    ) == [
        "chapters/01-a.yaml:7:13: error: blocks[1].figure.size: Input should be 'full', 'half', 'third' or "
        "'full-bleed' [schema.value]",
        "chapters/01-a.yaml:8:7: error: blocks[1].figure.captoin: unknown field 'captoin'; expected one of: "
        "image, caption, alt, size, credit [schema.unknown-field]",
        "chapters/01-a.yaml:9:5: error: blocks[2]: unknown block type 'figur'; expected one of: paragraph, lead, "
        "heading, figure, gallery, table, quote, testimony, inscription, news_clip, clipping, leader_quote, "
        "letter, leaflet, key_figures, map, chart [block.unknown-type]",
        "chapters/01-a.yaml:10:16: error: blocks[3].paragraph: expected text for a paragraph [schema.type]",
        "chapters/01-a.yaml:13:37: error: blocks[4].table.rows[0][1].rowspan: expected a whole number, "
        "got the text 'zero' [schema.type]",
        "chapters/01-a.yaml:16:13: error: sections[0].blocks: expected a list, got the text 'oops' [schema.type]",
    ]


def test_missing_field_points_at_its_parent(project):
    assert findings(project, "number: 1\nblocks: []\n") == [
        "chapters/01-a.yaml:1:1: error: title: required field is missing [schema.missing]",
    ]


def test_image_paths_must_stay_under_assets(project):
    (only,) = findings(
        project,
        """\
        number: 1
        title: 甲
        blocks:
          - figure: {image: ../../etc/passwd}
    """,
    )
    assert only.startswith(
        "chapters/01-a.yaml:4:21: error: blocks[0].figure.image: expected a path under assets/"
    )


def test_a_block_must_have_one_key(project):
    (only,) = findings(project, "number: 1\ntitle: 甲\nblocks:\n  - {paragraph: a, lead: b}\n")
    assert (
        only.startswith("chapters/01-a.yaml:4:5: error: blocks[0]: expected a block")
        and "[block.shape]" in only
    )


def test_a_number_where_text_is_wanted_is_an_error_not_a_conversion(project):
    (only,) = findings(project, "number: 1\ntitle: 2021\nblocks: [{paragraph: 甲}]\n")
    assert only == "chapters/01-a.yaml:2:8: error: title: expected text, got the number 2021 [schema.type]"


def test_edition_errors_name_the_edition_file(project):
    project.write("chapters/01-a.yaml", "number: 1\ntitle: 甲\nblocks: [{paragraph: 乙}]\n")
    edition = project.edition(
        "chapters/01-a.yaml", "chapters/02-gone.yaml", extra="bleed: 3mm\ncolour: red\n"
    )
    report = Report()
    load_book(edition, project.root, report)
    assert [f.format().splitlines()[0] for f in report.findings] == [
        "booklet.yaml:13:1: error: colour: unknown field 'colour'; expected one of: title, subtitle, year, "
        "language, edition, date, isbn, subject, keywords, publisher, organisers, trim, bleed, fonts, chapters, "
        "profile, icc_profile, page_multiple, page_plan, printing_history, conversion, conversion_overrides, "
        "languages, source_language, missing_translations "
        "[schema.unknown-field]",
    ]
    edition = project.edition("chapters/01-a.yaml", "chapters/02-gone.yaml")
    report = Report()
    book = load_book(edition, project.root, report)
    assert [f.format().splitlines()[0] for f in report.findings] == [
        "booklet.yaml:11:5: error: chapters[1]: chapter file 'chapters/02-gone.yaml' does not exist "
        "[edition.chapter-missing]",
    ]
    assert [c.title for c in book.chapters] == ["甲"]
