import sys

from booklet.cli import main

sys.exit(main())
