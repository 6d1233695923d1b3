"""Settings of the Python runtime for the bot's processes."""

from __future__ import annotations

import gc

# Container objects allocated between two collections of the youngest generation
# (CPython's default: 700). A regional report allocates hundreds of thousands of short-lived
# rows, and with the default the collector ran often enough to take almost half of its time
# (`python -m bench.analysis`: 0.7 s of 1.5 s; with these thresholds, 0.03 s of 0.85 s).
THRESHOLDS = (50_000, 20, 100)


def settle_after_start() -> None:
    """Called once the code is loaded. What start-up built (modules, aiogram's and
    SQLAlchemy's classes, pydantic models, translations) lives as long as the process: it
    leaves the collector's generations (`gc.freeze`, as the gc docs advise for long-running
    processes), and young objects are collected less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
