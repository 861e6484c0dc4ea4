"""Reading PDFs back for tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pypdf import PdfReader


def page_texts(pdf: Path) -> list[str]:
    """pdftotext page by page (form feed separated)."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout.split("\f")[:-1]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def fonts(pdf: Path) -> dict[str, bool]:
    """BaseFont name → embedded, for every font used on any page."""
    found: dict[str, bool] = {}
    for page in PdfReader(pdf).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor") or {}
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font["/BaseFont"])] = embedded and font.get("/Subtype") != "/Type3"
    return found


def image_count(pdf: Path) -> int:
    """Distinct raster images in the file (pages may share one resource dictionary)."""
    images, seen = set(), set()
    for page in PdfReader(pdf).pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        stack = list(xobjects.values())
        while stack:
            ref = stack.pop()
            key = getattr(ref, "idnum", id(ref))
            if key in seen:
                continue
            seen.add(key)
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                images.add(key)
            elif obj.get("/Subtype") == "/Form":
                stack.extend(((obj.get("/Resources") or {}).get("/XObject") or {}).values())
    return len(images)


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(level, title, page index) for every bookmark."""
    reader = PdfReader(pdf)
    out: list[tuple[int, str, int]] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((level, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return out


def contents_entries(pdf: Path) -> dict[str, int]:
    """Label → page number of every entry of the contents page, read in content order (pypdf):
    "一．前言 01", "（一）教育幫扶 20"."""
    import re

    reader = PdfReader(pdf)
    page = next(p for p in reader.pages[:8] if "目錄" in (p.extract_text() or "").replace(" ", "")[:40])
    pattern = r"^\s*((?:[一二三四五六七八九十]+．|（[一二三四五六七八九十]+）)\S+)\s+(\d+)\s*$"
    return {flat(m[1]): int(m[2]) for m in re.finditer(pattern, page.extract_text(), flags=re.M)}
