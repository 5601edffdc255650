"""``python -m valr_tui.simulator --port 8765 --api-key KEY`` (secret from VALR_API_SECRET)."""

import sys

from valr_tui.simulator.server import main

sys.exit(main())
