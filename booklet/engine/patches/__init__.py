"""Patches to WeasyPrint: CJK justification, one-pass font subsets and the tagged PDF's languages, header
scopes and artifacts (tagging), installed and removed together.

`install()` checks the version first (the patches and every other use of WeasyPrint's internals in
`engine/` are written against one release) and is idempotent; `uninstall()` puts WeasyPrint's own
functions back, so a test, or WeasyPrint's own test suite, can run with or without them.
"""

from __future__ import annotations

from booklet.core.findings import BuildError
from booklet.engine.patches import fontsubset, justify, tagging

SUPPORTED = ((70, 0), (71, 0))  # WeasyPrint versions from the first up to, not including, the second
SUPPORTED_TEXT = "70.x"


def engine_version() -> str:
    import weasyprint

    return weasyprint.__version__


def check_version(version: str | None = None) -> None:
    """Fail loudly (exit 3) on a WeasyPrint release the engine was not written for."""
    version = version or engine_version()
    try:
        found = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        found = ()
    if not (len(found) == 2 and SUPPORTED[0] <= found < SUPPORTED[1]):
        raise BuildError(
            f"WeasyPrint {version} is not supported: booklet works with WeasyPrint {SUPPORTED_TEXT} "
            "(it patches and reads WeasyPrint's internals); install the pinned versions with "
            "`pip install -r requirements.lock`",
            3,
        )


def install() -> None:
    """Install every patch (once per process)."""
    check_version()
    fontsubset.install()
    justify.install()
    tagging.install()


def uninstall() -> None:
    """Remove every patch: WeasyPrint behaves as released."""
    tagging.uninstall()
    justify.uninstall()
    fontsubset.uninstall()


def installed() -> bool:
    return fontsubset.installed() and justify.installed() and tagging.installed()
