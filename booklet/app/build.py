"""`booklet build`: check → photos converted beside the layout of the parts → joined → press finish →
preflight → the PDF and its sidecars written whole."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from pathlib import Path

from booklet.app.check import check
from booklet.app.project import (
    Options,
    Progress,
    Result,
    choose_profile,
    not_interrupted,
    project_root,
    theme_dir,
)
from booklet.app.since import changed_blocks
from booklet.app.unchanged import remember_build, request
from booklet.assets.art.codes import draw_ean13
from booklet.assets.art.draw import draw_art
from booklet.assets.collect import Assets, decode_remaining
from booklet.assets.photos import Conversion, Settings
from booklet.assets.shapes import Sizer
from booklet.assets.theme import Black, read_black, read_geometry, read_palette
from booklet.checks.fonts import FontFile
from booklet.content.model import Book
from booklet.core.files import is_write_failure, output_lock, temporary, write_failure, write_output
from booklet.core.findings import BuildError, ContentError, Report
from booklet.core.memo import load_hashes, save_hashes, sha256_file
from booklet.core.profiles import Profile
from booklet.core.profiles import get as get_profile
from booklet.core.resources import STYLE_ORDER, override_files, theme_file
from booklet.engine.fetcher import Origins, image_origins
from booklet.engine.limits import render_limits
from booklet.engine.render import project_stylesheets, proof_stylesheets, stylesheets, write_pdf
from booklet.html.document import render_html
from booklet.layout.book import Parts, lay_out_book
from booklet.layout.cache import code_digest, prune
from booklet.layout.folios import report_reserved
from booklet.layout.parts import BACK, Context, PartStep
from booklet.pdf import press
from booklet.pdf.audit import AuditStep, audit_document, joined_audit
from booklet.pdf.composition import composition_audit
from booklet.pdf.inks import ink_limit
from booklet.pdf.join import join_documents, join_pdfs
from booklet.pdf.manifest import input_files, manifest, manifest_bytes
from booklet.pdf.preflight import preflight
from booklet.pdf.ua import ua_checks
from booklet.pdf.verify import commit_pdf, refuse_broken
from booklet.proof.report import write_proof_report
from booklet.proof.stamp import ProofStep, Stamper, read_layout
from booklet.proof.tracking import tracked_findings, tracking_file
from booklet.reader.folios import print_pages

SIDECARS = (".findings.json", ".preflight.json", ".audit.json", ".manifest.json", ".composition.json")


def build(options: Options, progress: Progress = lambda _: None) -> Result:
    """Build the PDF. Raises BuildError (content errors are in result.report first); a file the
    file system refuses to write (full disk, file-size limit, quota) is an output failure, exit 4."""
    try:
        return _build(options, progress)
    except OSError as exc:
        if not is_write_failure(exc):
            raise
        where = Path(exc.filename) if exc.filename else options.output or Path("dist")
        raise write_failure(where, exc) from None


def _build(options: Options, progress: Progress) -> Result:
    started = time.perf_counter()
    result = check(options, progress, decode=False)
    root = project_root(options.edition_file)
    if result.book is None or result.report.errors:
        raise ContentError(result.report)
    book, assets = result.book, result.assets
    assert assets is not None
    profile = choose_profile(options, book, result.report)
    icc = b""
    if profile is not None and profile.press:
        icc = press.output_profile(book.edition, options.edition_file, root, result.report) or b""
    if profile is None or result.report.errors:
        raise ContentError(result.report)
    result.profile = profile.name
    output = options.output or profile.output(options.edition_file, root)
    progress(f"preparing images for {profile.name} ({profile.colour.upper()}, {profile.ppi} ppi)")
    styles_dir = theme_dir(root)
    css = stylesheets(
        styles_dir,
        book.edition,
        [theme_file(styles_dir, name).read_text(encoding="utf-8") for name in profile.stylesheets],
    )
    settings = Settings(
        profile.colour, profile.ppi, icc, ink_limit(book.edition.ink_limit, icc) if profile.press else None
    )
    assets.geometry = read_geometry(css)  # the photos are placed (and converted) for the theme's sizes
    conversion = Conversion(book, assets, root, settings, geometry=assets.geometry)
    if book.edition.isbn:
        assets.art["isbn"] = draw_ean13(book.edition.isbn, book.edition.fonts.heading)
    if profile.stylesheets:  # the profile recolours the theme (RGB for screen and proof): the art follows
        assets.art.update(draw_art(book, read_palette(css), Report()))
    context = Context(
        book=book,
        assets=assets,
        profile=profile,
        css=css,
        root=root,
        origins=Origins("", image_origins(book, assets), project_stylesheets(styles_dir, root)),
        limits=options.limits,
        in_process=not profile.parallel,
        steps=_part_steps(profile, options, book, icc, styles_dir, read_black(css)),
        cache=root / ".cache" / "parts",
        code=code_digest(
            profile.name,
            repr(sorted(profile.pdf_options.items())),
            hashlib.sha256(icc).hexdigest(),
            *_font_identities(result.fonts),
        ),
    )
    converting = len(conversion.pending)
    progress(
        f"laying out {len(book.chapters)} chapters"
        + (f", converting {converting} images alongside" if converting else "")
    )
    with output_lock(output, SIDECARS):
        laid = _lay_out_beside(context, options, conversion, result, progress)
        decode_remaining(book, assets, root, result.report, strict=options.strict)
        if result.report.errors:
            raise ContentError(result.report)
        not_interrupted()
        result.print_pages = print_pages(laid) if profile.name == "print" else {}
        reserved = {k: v for part in laid.in_order() for k, v in part.reserved.items()}
        report_reserved(reserved, book, result.report)
        if laid.blanks_before.get(BACK):
            progress(
                f"added {laid.blanks_before[BACK]} blank pages for a multiple of {book.edition.page_multiple}"
            )
        if result.report.errors:
            raise ContentError(result.report)
        result.composition = composition_audit(laid, book, Sizer(book, assets.images, assets.geometry))
        result.html = render_html(
            book, assets, profile=profile.name, build_info={"reserved": reserved, "folios": laid.folios}
        )
        if options.html_output:
            write_output(options.html_output, standalone_html(result.html, css).encode())
        pdf: bytes | Path = b""
        hashing = None
        plates: dict[str, bytes] = {}  # the separations' thumbnails, written once the PDF is
        try:
            if context.in_process:
                document = join_documents(laid)
                result.pages = len(document.pages)
                tagged = profile.pdf_options.get("pdf_variant") == "pdf/ua-1"
                blocks = {page.number: page.sources for page in read_layout(document).pages} if tagged else {}
                progress(f"writing PDF ({result.pages} pages)")
                with render_limits(options.limits, result.report):
                    pdf = write_pdf(document, book.edition, profile.pdf_options)
                if options.audit:
                    progress("auditing the typography")
                    result.audit = audit_document(document, pdf)
            else:
                progress(f"joining {len(laid.chapters) + 2} parts")
                finish = _finisher(profile, book, icc, styles_dir, context.code)
                if profile.stamped:
                    progress("stamping the proof: watermark, slug, source lines")
                    for tracked in tracked_findings(options.edition_file, root):  # marks read back before
                        result.report.add(tracked)
                    changed = None
                    if options.since:
                        progress(f"comparing with {options.since} for the change bars")
                        changed = changed_blocks(options.since, options.edition_file, book)
                    finish = Stamper(
                        laid,
                        book,
                        result.report,
                        options.edition_file,
                        root,
                        proof_stylesheets(styles_dir, book.edition),
                        context.cache,
                        context.code,
                        changed=changed,
                        since=options.since or "",
                    )
                    result.proof = finish.layout
                    result.proof_stamper = finish
                try:  # the joined book is written beside the output, then renamed
                    pdf = temporary(output)
                except OSError as exc:
                    raise BuildError(f"cannot write to {output.parent}: {exc.strerror}", 4) from None
                try:
                    result.pages = join_pdfs(laid, pdf, finish=finish)
                except OSError as exc:  # a full disk, a file-size limit, a quota: an output failure
                    if not is_write_failure(exc):
                        raise
                    raise write_failure(output, exc) from None
                result.audit = joined_audit(laid) if options.audit else None
                hashing = threading.Thread(target=_hash_quietly, args=(pdf,), daemon=True)
                hashing.start()  # for the manifest, beside the preflight (the hash survives the rename)
            if options.preflight:
                result.preflight = preflight(
                    pdf,
                    press=profile.press,
                    bleed=profile.bleed,
                    page_multiple=book.edition.page_multiple if profile.bleed else 1,
                    image_names=result.images.digests,
                    ppi_warn=profile.ppi,
                    ppi_fail=profile.ppi * 2 // 3,
                    profile=profile.name,
                )
                if profile.press:
                    plates = _measure_inks(
                        pdf, output, book, icc, result, progress, options.jobs, context.cache
                    )
                if (
                    profile.pdf_options.get("pdf_variant") == "pdf/ua-1"
                ):  # the screen PDF: Matterhorn's checks
                    result.preflight.checks += ua_checks(pdf, blocks if context.in_process else {})
                write_output(output.with_suffix(".preflight.json"), result.preflight.to_json())
                if options.strict and result.preflight.failures:
                    names = ", ".join(check.name for check in result.preflight.failures)
                    failure = BuildError(
                        f"preflight failed ({names}); see {output.with_suffix('.preflight.json')}",
                        1,
                        result.report,
                    )
                    failure.preflight = result.preflight  # type: ignore[attr-defined]
                    raise failure
            not_interrupted()
            if isinstance(pdf, Path):
                commit_pdf(pdf, output, pages=result.pages)
            else:
                refuse_broken(pdf, output, result.pages)
                write_output(output, pdf)
            if not options.preflight:
                with contextlib.suppress(OSError):  # no report of the earlier PDF beside this one
                    output.with_suffix(".preflight.json").unlink()
            if plates:
                _write_plates(output, plates)
        finally:
            if isinstance(pdf, Path):
                with contextlib.suppress(OSError):
                    pdf.unlink()
        findings = output.with_suffix(".findings.json")
        write_output(
            findings,
            json.dumps([f.to_dict() for f in result.report.findings], ensure_ascii=False, indent=1).encode(),
        )
        outputs = [output, findings]
        if result.audit is not None:
            outputs.append(output.with_suffix(".audit.json"))
            write_output(outputs[-1], result.audit.to_json().encode())
        outputs.append(output.with_suffix(".composition.json"))
        write_output(outputs[-1], result.composition.to_json())
        if hashing is not None:
            hashing.join()
        inputs, fonts = _write_manifest(book, root, styles_dir, profile, assets, outputs)
        outputs.append(output.with_suffix(".manifest.json"))
        if options.html_output:
            outputs.append(options.html_output)
    if not context.in_process:
        used = {path for part in laid.in_order() for path in (part.pdf, part.pdf.with_suffix(".part"))}
        prune(context.cache, used | set(getattr(result.proof_stamper, "used", ())))
    result.output = output
    result.seconds = time.perf_counter() - started
    if profile.stamped:
        progress("writing the proof report")
        result.proof_report = write_proof_report(
            output,
            book,
            result.report,
            result.proof,
            result.pages,
            result.seconds,
            options.edition_file,
            root,
            since=options.since or "",
        )
        outputs.append(result.proof_report)
    if profile.press and book.edition.icc_profile:
        inputs.append(root / book.edition.icc_profile)
    elif profile.press:
        inputs.append(press.DEFAULT_ICC)
    outputs += [separations_folder(output) / name for name in plates]
    absent = [root / ref for ref in assets.images if not (root / ref).is_file()]
    if profile.stamped:  # the proof shows the print PDF's inks and the tracked marks of earlier proofs
        for beside in (
            get_profile("print").output(options.edition_file, root).with_suffix(".preflight.json"),
            tracking_file(options.edition_file, root),
        ):
            (inputs if beside.is_file() else absent).append(beside)
    remember_build(
        request(options),
        root,
        profile=profile.name,
        pages=result.pages,
        errors=len(result.report.errors),
        warnings=len(result.report.warnings),
        inputs=inputs,
        absent=absent,
        fonts=fonts,
        outputs=outputs,
    )
    save_hashes(root / ".cache")
    return result


def _measure_inks(
    pdf, output: Path, book: Book, icc: bytes, result: Result, progress, jobs: int, parts: Path
) -> dict[str, bytes]:
    """The press PDF's total ink per page and its plates (Ghostscript), into the preflight; returns
    the plates' thumbnails by file name, for dist/<edition>.separations/ (the proof report's)."""
    from booklet.pdf.inks import DPI, InkError, measure
    from booklet.pdf.preflight import ink_check

    assert result.preflight is not None
    limit = ink_limit(book.edition.ink_limit, icc)
    progress(f"measuring total ink and the plates (Ghostscript tiffsep, {DPI} dpi, limit {limit} %)")
    source = pdf
    try:
        if not isinstance(pdf, Path):
            source = temporary(output)
            source.write_bytes(pdf)
        inks, strips = measure(source, result.pages, limit, workers=jobs, cache=parts.parent / "inks")
    except InkError as exc:
        result.preflight.checks.append(ink_check(None, str(exc)))
        return {}
    finally:
        if source is not pdf:
            with contextlib.suppress(OSError):
                source.unlink()
    folder = separations_folder(output)
    digits = len(str(result.pages))
    plates = {}
    for page in inks.pages:
        name = f"page-{page.page:0{digits}d}.png"
        plates[name] = strips[page.page]
        page.thumbnail = f"{folder.name}/{name}"
    result.preflight.checks.append(ink_check(inks))
    result.preflight.inks = inks.to_dict()
    return plates


def separations_folder(output: Path) -> Path:
    return output.with_name(f"{output.stem}.separations")


def _write_plates(output: Path, plates: dict[str, bytes]) -> None:
    """dist/<edition>.separations/: one strip of the four plates per page (after the PDF is written)."""
    from booklet.core.files import write_whole

    folder = separations_folder(output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in plates.items():
            write_whole(folder / name, data)
        for old in folder.glob("page-*.png"):
            if old.name not in plates:
                old.unlink()
    except OSError as exc:
        raise write_failure(folder, exc) from None


def _part_steps(
    profile: Profile, options: Options, book: Book, icc: bytes, styles_dir: Path, black: Black | None = None
) -> list[PartStep]:
    """What each part gets in its worker, in order: press finish, typographic audit, proof reading."""
    steps: list[PartStep] = []
    if profile.press:
        palette = press.parse_palette(styles_dir)
        steps.append(
            press.PressStep(book.edition, icc, palette, press.document_identifier(book.edition), black)
        )
    if options.audit:
        steps.append(AuditStep())
    if profile.stamped or profile.name == "print":  # print: where each block stands, for the EPUB's page-list
        steps.append(ProofStep())
    return steps


def _lay_out_beside(
    context: Context, options: Options, conversion: Conversion, result: Result, progress: Progress
) -> Parts:
    """The parts laid out while the photos are converted; the images' findings come first."""
    layout = Report()
    try:
        laid = lay_out_book(
            context,
            options.jobs,
            layout,
            progress,
            alongside=conversion.start if conversion.pending else None,
        )
    except BuildError as exc:  # a photo that failed stopped its part: every photo's problem is told
        result.images = conversion.finish(result.report, stop=not conversion.failed())
        _add_all(result.report, layout)
        if result.report.errors and any(f.code.startswith("image.") for f in result.report.errors):
            raise ContentError(result.report) from None
        exc.report = result.report
        raise
    except BaseException:
        conversion.finish(Report(), stop=True)
        raise
    result.images = conversion.finish(result.report)
    progress(f"images: {result.images.converted} converted, {result.images.cached} from the cache")
    _add_all(result.report, layout)
    return laid


def _add_all(report: Report, more: Report) -> None:
    for finding in more.findings:
        report.add(finding)


def _font_identities(fonts: list[FontFile]) -> list[str]:
    out = []
    for font in fonts:
        try:
            stat = os.stat(font.path)
            out.append(f"{font.path}|{font.index}|{stat.st_size}|{stat.st_mtime_ns}")
        except OSError:
            out.append(font.path)
    return out


def _finisher(profile: Profile, book: Book, icc: bytes, styles_dir: Path, code: str):
    """What the joined book gets before it is saved: the press PDF's output intent and metadata."""
    if not profile.press:
        return None
    palette = press.parse_palette(styles_dir)

    def finish(pdf) -> None:
        press.finish_document(pdf, book.edition, icc, palette, press.document_identifier(book.edition))

    finish.identity = "|".join([code, book.edition.model_dump_json(), repr(sorted(palette.items()))])
    return finish


def standalone_html(html: str, css_texts: list[str]) -> str:
    """The HTML with its stylesheets inlined, for rendering by WeasyPrint alone."""
    styles = "".join(f"<style>\n{text}\n</style>\n" for text in css_texts)
    return html.replace("</head>", styles + "</head>", 1)


def _write_manifest(
    book: Book, root: Path, styles_dir: Path, profile: Profile, assets: Assets, outputs: list[Path]
) -> tuple[list[Path], list[str]]:
    """dist/<edition>.manifest.json: versions, fonts, and the hash of every input and output.
    Returns the files the build read (the photos' sources and the font files among them) and the
    font patterns, for the record of this build (app/unchanged.py)."""
    from urllib.parse import unquote, urlsplit

    styles = [theme_file(styles_dir, name) for name in (*STYLE_ORDER, *profile.stylesheets)]
    styles += override_files(styles_dir)
    images = [Path(unquote(urlsplit(image.url).path)) for image in assets.images.values() if image.url]
    load_hashes(root / ".cache")
    inputs = input_files(book, root, styles, images)
    data = manifest(book, root, inputs, outputs)
    write_output(outputs[0].with_suffix(".manifest.json"), manifest_bytes(data))
    sources = [root / ref for ref in assets.images if (root / ref).is_file()]
    sources += sorted(styles_dir.glob("*.css"))  # every layer is read, for the url()s it may name
    fonts = [Path(font["file"]) for font in data["fonts"].values()]
    return [*inputs, *sources, *fonts], list(data["fonts"])


def _hash_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        sha256_file(path)
