"""``python -m sim`` is the same as the ``tthc-sim`` command."""

import sys

from sim.cli import main

sys.exit(main())
