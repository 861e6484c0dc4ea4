"""Output profiles: one source, several PDFs. Every profile-dependent setting lives here.

A profile names its output (dist/<edition><suffix>.pdf), the extra style layers it adds after
the theme (from styles/), its colour mode, the resolution its photos are resampled to, whether
it has bleed and crop marks, and the WeasyPrint PDF options it needs. Another profile (e.g. the
proof) is added with `register(Profile(...))`; the command line offers a `--<name>` flag for
every registered profile and `--all` builds them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

DEFAULT_PROFILE = "print"


@dataclass(frozen=True)
class Profile:
    name: str
    suffix: str  # output file: dist/<edition><suffix>.pdf ("" for the press PDF)
    description: str
    colour: Literal["cmyk", "rgb"] = "rgb"
    ppi: int = 150  # photos are resampled to this at their placed size (never upscaled)
    bleed: bool = False  # bleed boxes and crop marks; without, pages are the trimmed size
    stylesheets: tuple[str, ...] = ()  # extra layers from styles/, after the theme and the edition
    pdf_options: dict = field(default_factory=dict)  # passed to WeasyPrint's write_pdf
    parallel: bool = True  # chapters laid out and written side by side; False: one PDF written at once (tags)
    stamped: bool = False  # the proof: watermark, slug and source lines stamped on, and its report

    @property
    def press(self) -> bool:
        """A press PDF: CMYK, PDF/X-4 with an output intent, checked for RGB and bleed."""
        return self.colour == "cmyk"

    def output(self, edition_file: Path, root: Path) -> Path:
        return root / "dist" / f"{edition_file.stem}{self.suffix}.pdf"


PROFILES: dict[str, Profile] = {}


def register(profile: Profile) -> Profile:
    PROFILES[profile.name] = profile
    return profile


register(
    Profile(
        name="print",
        suffix="",
        description="press PDF: PDF/X-4, CMYK with the edition's output intent, bleed and crop marks, 300 ppi photos",
        colour="cmyk",
        ppi=300,
        bleed=True,
        # WeasyPrint then writes DeviceCMYK as the default colour space (transparency groups);
        # the press finisher (pdf/press.py) adds the ICC output intent and the PDF/X-4 metadata.
        pdf_options={"output_intent": "device-cmyk", "pdf_version": "1.6"},
    )
)
register(
    Profile(
        name="screen",
        suffix=".screen",
        description="screen PDF: RGB, trimmed pages without marks, tagged (PDF/UA-1) with alt text, live links",
        stylesheets=("colours-rgb.css", "screen.css"),
        pdf_options={"pdf_variant": "pdf/ua-1", "pdf_tags": True},
        parallel=False,  # WeasyPrint tags a document it writes whole
    )
)

register(
    Profile(
        name="proof",
        suffix=".proof",
        description="proofreading copy: the print pages (same pagination) in RGB, stamped with a watermark, a slug "
        "and each block's source line in the margin; report in dist/<edition>.proof.html",
        ppi=150,
        bleed=True,
        stylesheets=("colours-rgb.css",),
        stamped=True,
    )
)


def get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; expected one of: {', '.join(PROFILES)}") from None


# The reader editions (booklet/reader/), made from the same model but not PDFs: `--web`, `--epub`.
READER_OUTPUTS = {
    "web": "web edition: a static site, one page per chapter, responsive photos → dist/<edition>.web/",
    "epub": "EPUB 3: reflowable, with the print edition's page-list → dist/<edition>.epub",
}
ALT_REQUIRED = (
    "screen",
    "web",
    "epub",
)  # the outputs read aloud: with --strict a figure without alt: is an error
