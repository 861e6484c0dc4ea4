"""Join the parts of the book (layout/parts.py) into one PDF: pages, blank pages, outline, destinations.

Parts written by the workers are joined with pikepdf: the pages are copied in book order with
the blank left-hand pages in front of chapters that follow a right-hand page and the press's
blank pages before the colophon (copies of the blank inside cover), and the outline and named
destinations of every part are rebuilt against the joined pages. The screen PDF's parts are
kept as laid-out documents instead and written at once, so that WeasyPrint tags the whole book.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from booklet.layout.book import Parts
from booklet.layout.parts import PartResult


def join_documents(parts: Parts):
    """One WeasyPrint Document of every part's pages (the in-process parts), blanks included."""
    front = parts.front.document
    blank = front.pages[1] if len(front.pages) > 1 else front.pages[0]
    pages = []
    for part in parts.in_order():
        pages.extend([blank] * parts.blanks_before.get(part.name, 0))
        pages.extend(part.document.pages)
    return front.copy(pages)


JOIN_BUDGET = (
    512 * 2**20
)  # bytes of parts joined in one round (pikepdf holds a foreign page's streams in memory)


def save_options(**more) -> dict:
    """How the build saves a PDF with qpdf: object streams made afresh (deterministically), every
    stream copied as it is. (By default qpdf decodes each Flate stream and compresses it again, to
    the same bytes: a third of the time of saving a part, a second of the catalogue's join.)"""
    import pikepdf

    return dict(
        fix_metadata_version=False,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        **more,
    )


def join_pdfs(parts: Parts, target: Path, finish=None, budget: int | None = None) -> int:
    """Write the joined book to `target` (`finish(pdf)` runs before it is saved); returns its page count.

    pikepdf copies the streams of another PDF's pages into memory, photographs included, so a book
    whose parts weigh more than `budget` is joined in rounds: each round adds the next parts to the
    book so far, read back from a temporary file (whose streams stay on disk until written again).

    The file identifier (/ID) is qpdf's MD5 of the whole output (≈ 0.2 s for the catalogue) unless
    `finish.identity` names everything the finisher adds: then it is a digest of that and of the
    parts' keys (their file names, digests of all they are made of), written without reading the
    output again."""
    import pikepdf

    opened: list[pikepdf.Pdf] = []
    carried: list[Path] = []  # the book so far, after each round but the last

    def open_pdf(path: Path) -> pikepdf.Pdf:
        opened.append(pikepdf.open(path))
        return opened[-1]

    options = save_options()
    try:
        front = open_pdf(parts.front.pdf)
        blank = front.pages[1] if len(front.pages) > 1 else front.pages[0]
        offsets: list[tuple[Path, int, bool]] = []  # (part, its first page, a section)
        out = pikepdf.new()
        rounds = _rounds(parts.in_order(), budget or JOIN_BUDGET)
        for number, group in enumerate(rounds):
            if number:
                out = open_pdf(carried[-1])
            for part in group:
                source = front if part is parts.front else open_pdf(part.pdf)
                for _ in range(parts.blanks_before.get(part.name, 0)):
                    out.pages.append(blank)
                offsets.append((part.pdf, len(out.pages), part.nested))
                out.pages.extend(source.pages)
            if number < len(rounds) - 1:
                carried.append(target.with_name(f".{target.name}.{len(carried)}.tmp"))
                out.save(carried[-1], static_id=True, **options)
                for pdf in opened[1:]:  # what this round copied into memory is on disk now
                    pdf.close()
                del opened[1:]
        _embed_shared_fonts(out, parts)
        _outline(out, offsets)
        _destinations(out, offsets)
        for key, value in front.docinfo.items():
            out.docinfo[key] = value
        if "/Lang" in front.Root:
            out.Root.Lang = front.Root.Lang
        if finish is not None:
            finish(out)
        count = len(out.pages)
        options["min_version"] = front.pdf_version
        identity = getattr(finish, "identity", None)
        if identity is None:
            out.save(target, deterministic_id=True, **options)
            return count
        seed = hashlib.sha256(
            "\0".join(
                [
                    identity,
                    *(
                        f"{parts.blanks_before.get(part.name, 0)}|{part.pdf.name}"
                        for part in parts.in_order()
                    ),
                ]
            ).encode()
        ).digest()
        out.trailer.ID = pikepdf.Array([pikepdf.String(seed[:16]), pikepdf.String(seed[16:])])
        out.save(target, static_id=True, **options)  # keeps the first half; the second is patched in
        if not _patch_second_id(target, seed[16:]):
            out.save(target, deterministic_id=True, **options)
        return count
    finally:
        for pdf in reversed(opened):
            pdf.close()
        for path in carried:
            path.unlink(missing_ok=True)


def _rounds(order: list[PartResult], budget: int) -> list[list[PartResult]]:
    """The parts in book order, in runs of at most `budget` bytes (at least one part a run)."""
    rounds: list[list[PartResult]] = [[]]
    size = 0
    for part in order:
        weight = part.pdf.stat().st_size
        if rounds[-1] and size + weight > budget:
            rounds.append([])
            size = 0
        rounds[-1].append(part)
        size += weight
    return rounds


def _embed_shared_fonts(out, parts: Parts) -> None:
    """One subset of each shared face, with the glyphs of every part, in place of the parts' stubs
    (engine/patches/fontsubset.py). Every page's fonts are looked at: WeasyPrint gives a part's forms its page fonts."""
    import pikepdf

    from booklet.engine.patches import fontsubset

    glyphs: dict[str, set[int]] = {}
    for part in parts.in_order():
        for face, used in part.fonts.items():
            glyphs.setdefault(face, set()).update(used)
    if not glyphs:
        return
    programs: dict[str, pikepdf.Stream] = {}
    seen: set[tuple[int, int]] = set()
    for page in out.pages:
        for font in (page.obj.get("/Resources", {}).get("/Font") or {}).values():
            descriptor = (
                font.DescendantFonts[0].get("/FontDescriptor") if "/DescendantFonts" in font else None
            )
            program = descriptor.get("/FontFile3") if descriptor is not None else None
            if program is None or program.objgen in seen:
                continue
            seen.add(program.objgen)
            face = fontsubset.deferred_face(program)
            if face is None:
                continue
            if face not in programs:
                data = fontsubset.book_subset(face, glyphs.get(face, set()))
                programs[face] = out.make_stream(data, Subtype=pikepdf.Name.OpenType)
            descriptor.FontFile3 = programs[face]


QPDF_STATIC_ID = b"<31415926535897932384626433832795>"


def _patch_second_id(target: Path, second: bytes) -> bool:
    """Put `second` in place of the constant qpdf writes as the second half of a static /ID."""
    with open(target, "r+b") as stream:
        stream.seek(0, 2)
        tail_start = max(0, stream.tell() - 8192)  # the trailer (or the xref stream's dictionary)
        stream.seek(tail_start)
        tail = stream.read()
        if tail.count(QPDF_STATIC_ID) != 1:
            return False
        stream.seek(tail_start + tail.index(QPDF_STATIC_ID))
        stream.write(b"<" + second.hex().encode() + b">")
    return True


def _page_indexes(source) -> dict[tuple[int, int], int]:
    return {page.obj.objgen: index for index, page in enumerate(source.pages)}


def _outline(out, offsets) -> None:
    """Every part's bookmarks, in book order, pointing at the joined pages; a section's go under its
    chapter's."""
    import pikepdf

    def copy(item, indexes, offset):
        destination = item.destination
        new = pikepdf.OutlineItem(item.title)
        if isinstance(destination, pikepdf.Array) and len(destination) >= 4:
            index = indexes.get(destination[0].objgen)
            if index is not None:
                new = pikepdf.OutlineItem(
                    item.title, offset + index, "XYZ", left=float(destination[2]), top=float(destination[3])
                )
        new.is_closed = item.is_closed
        new.children.extend(copy(child, indexes, offset) for child in item.children)
        return new

    with out.open_outline() as joined:
        for path, offset, nested in offsets:
            with pikepdf.open(path) as source:
                indexes = _page_indexes(source)
                parent = joined.root[-1].children if nested and joined.root else joined.root
                with source.open_outline() as outline:
                    parent.extend(copy(item, indexes, offset) for item in outline.root)


def _destinations(out, offsets) -> None:
    """The named destinations (one per anchor: `booklet.pdf#04-impact`) against the joined pages."""
    import pikepdf

    named: dict[str, pikepdf.Array] = {}
    for path, offset, _ in offsets:
        with pikepdf.open(path) as source:
            names = source.Root.get("/Names", {}).get("/Dests", {}).get("/Names")
            if names is None:
                continue
            indexes = _page_indexes(source)
            for position in range(0, len(names) - 1, 2):
                name, destination = str(names[position]), names[position + 1]
                index = indexes.get(destination[0].objgen) if len(destination) else None
                if index is not None and name not in named:
                    named[name] = pikepdf.Array([out.pages[offset + index].obj, *list(destination)[1:]])
    if named:
        flat = pikepdf.Array()
        for name in sorted(named):
            flat.append(pikepdf.String(name))
            flat.append(named[name])
        out.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=flat))
