"""A pytest plugin for WeasyPrint's own test suite: booklet's patches installed at session start.

Loaded by tests/weasyprint_suite.py (`-p weasyprint_patches`, with tests/ and the project on
PYTHONPATH); not a test module of booklet's suite.
"""

from __future__ import annotations

import pytest


def pytest_sessionstart(session):
    from booklet import engine
    from booklet.core.findings import BuildError

    try:
        engine.install()
    except BuildError as refused:
        raise pytest.UsageError(f"booklet's patches are not active: {refused}") from None
    if not engine.installed():
        raise pytest.UsageError("booklet's patches are not active")
