"""Test helper: photograph-like pictures made with Pillow (too large to keep in tests/roots/)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageFilter

A98 = Path("/usr/share/color/icc/ghostscript/a98.icc")  # Adobe RGB (1998)-compatible, from libgs-common


def photo(width: int, height: int, seed: int) -> Image.Image:
    """A photograph-like picture: smooth colour fields with fine grain."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = Image.effect_noise((width, height), 40 + seed).filter(ImageFilter.GaussianBlur(2))
    return Image.merge("RGB", (red, green, blue))


def make_photos(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    photo(2200, 1500, 1).save(folder / "adobe-rgb.jpg", quality=92, icc_profile=A98.read_bytes())
    upright = photo(1100, 1600, 2)  # a portrait photo stored on its side, EXIF orientation 6
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "TestCam"
    upright.transpose(Image.Transpose.ROTATE_90).save(folder / "rotated.jpg", quality=92, exif=exif.tobytes())
    photo(1200, 800, 3).save(folder / "plain.jpg", quality=92)
    photo(600, 400, 4).save(folder / "too-small.jpg", quality=90)
    photo(2700, 1800, 5).save(folder / "bleed.jpg", quality=90)
