"""HTML and CSS → laid-out WeasyPrint documents and their PDF; the one place that touches WeasyPrint's internals.

`install()` and `uninstall()` put in and take out every patch to WeasyPrint (behind one version
gate, `check_version`): the build installs them before its first layout.
"""

from booklet.engine.libraries import install_quick_lookup
from booklet.engine.patches import check_version, install, installed, uninstall

install_quick_lookup()  # WeasyPrint's native libraries found without twenty programs run (libraries.py)

__all__ = ["check_version", "install", "installed", "uninstall"]
