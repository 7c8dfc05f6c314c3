"""``python -m glmstat``: the command line (see :mod:`glmstat.cli`)."""

import sys

from .cli import main

sys.exit(main())
