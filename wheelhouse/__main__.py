"""``python -m wheelhouse``."""

import sys

from wheelhouse.cli import main

sys.exit(main())
