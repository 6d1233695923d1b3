"""The survey benchmark's fixed-rate mode, small: it runs end to end and prints its tables,
polling and in webhook mode."""

from __future__ import annotations

import asyncio
import re
import sys

from tests.support.bot_process import PROJECT_ROOT


async def test_fixed_rate_bench_prints_a_table_of_figures_without_errors() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.surveys",
        "--fixed-rate",
        *("--directors", "20", "--questions", "3", "--rounds", "1"),
        # A rate any machine keeps up with, the other xdist worker busy beside it: with 20
        # directors, an arrival is turned away only when all 20 wait for an answer.
        *("--seconds", "4", "--rate", "5", "--databases", "sqlite"),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(process.communicate(), 300))[0].decode()
    assert process.returncode == 0, output

    rows = [line for line in output.splitlines() if line.startswith("| sqlite |")]
    assert len(rows) == 3, output  # the latencies, the answers against the database, waits
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    database, offered, achieved, p50, p95, p99, errors, bot, echo, ratio = cells
    assert (database, offered, errors) == ("sqlite", "5/s", "0"), output
    # About 20 Poisson arrivals in 4 s: the achieved rate is near the offered one.
    assert 1 < figure(achieved) < 15, output
    latencies = [figure(cell) for cell in (p50, p95, p99)]
    assert 0 < latencies[0] <= latencies[1] <= latencies[2], output
    assert p99.endswith(("(ok)", "(over)")), output
    assert figure(bot) > 0, output
    assert figure(echo) > 0, output
    assert figure(ratio) > 0, output


async def test_webhook_mode_posts_every_press_and_checks_the_answers_kept() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.surveys",
        *("--fixed-rate", "--mode", "webhook"),
        *("--directors", "20", "--questions", "3", "--rounds", "0"),
        *("--seconds", "4", "--rate", "5", "--databases", "sqlite"),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(process.communicate(), 300))[0].decode()
    assert process.returncode == 0, output

    rows = [line for line in output.splitlines() if line.startswith("| sqlite webhook |")]
    assert len(rows) == 3, output  # the latencies, the answers against the database, waits
    latencies, kept, waits = ([c.strip() for c in row.strip("|").split("|")] for row in rows)
    assert latencies[6] == "0", output  # errors
    assert latencies[7:] == ["–", "–", "–"], output  # no saturation rounds
    answers, not_stored, not_confirmed, late, doubled, errors, retried, cpu = kept[1:]
    assert 1 < figure(answers) < 15, output
    assert (not_stored, not_confirmed, late, doubled) == ("0", "0", "0", "0"), output
    assert (errors, retried) == ("0", "0"), output
    assert figure(cpu) > 0, output
    assert cpu.endswith("cores)"), output
    replica, queued, in_bot = waits[1:4]
    assert queued.endswith(" ms"), output  # at Telegram, waiting for a connection
    assert replica == "1", output
    assert figure(in_bot) > 0, output


def figure(cell: str) -> float:
    """The number a cell starts with ("21.3/s", "27 ms (ok)", "0.25")."""
    found = re.match(r"\d+(\.\d+)?", cell)
    assert found is not None, cell
    return float(found[0])
