"""Settings of the Python runtime for the bot's processes."""

from __future__ import annotations

import gc

# The cyclic garbage collector's thresholds (CPython's defaults: 700, 10, 10). Each update
# leaves short-lived cycles (sessions, tasks, aiogram objects) and a regional report
# hundreds of thousands of rows; collecting every 700 allocations took about a fifth of the
# bot's CPU with hundreds answering surveys at once (`python -m bench.surveys`) and almost
# half of a report's time (`python -m bench.analysis`: 0.7 s of 1.5 s, with these 0.03 s of
# 0.85 s). Garbage is still collected, in larger, rarer batches.
THRESHOLDS = (50_000, 20, 100)


def settle_after_start() -> None:
    """Called once the code is loaded. What start-up built (modules, aiogram's and
    SQLAlchemy's classes, pydantic models, translations) lives as long as the process: it
    leaves the collector's generations (`gc.freeze`, as the gc docs advise for long-running
    processes), and young objects are collected less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
