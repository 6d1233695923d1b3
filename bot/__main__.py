import sys
from pathlib import Path

# `python -m bot` puts the working directory first on sys.path. Unless that is the checkout
# itself, drop it: an operator's folder holding a `data/` or `locales/` (the old database
# folder was `data/`) would otherwise shadow the bot's own packages of those names.
if sys.path and Path(sys.path[0] or ".").resolve() != Path(__file__).resolve().parent.parent:
    del sys.path[0]

from bot.cli import main  # after the path is settled

raise SystemExit(main())
