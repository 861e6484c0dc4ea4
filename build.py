#!/usr/bin/env python3
"""Build the catalogue: `python build.py --help`."""

import sys

from booklet.cli import main

if __name__ == "__main__":
    sys.exit(main())
