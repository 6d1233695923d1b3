"""The fixed-rate loop of bench/surveys.py against a stand-in for the bot: the rate it
offers, and that a respondent never presses while it waits for an answer."""

from __future__ import annotations

import asyncio

from bench.surveys import Respondent, fixed_rate
from tests.support.fake_telegram import ApiCall


class SlowBot:
    """Answers every press after `delay` seconds with a question of one button."""

    def __init__(self, respondents: int, delay: float) -> None:
        self.respondents = [Respondent(i, ["open"], presses=10**6) for i in range(respondents)]
        self.delay = delay
        self.waiting: set[int] = set()
        self.presses = 0

    async def press(self, respondent: Respondent) -> float:
        assert respondent.user.id not in self.waiting, "pressed while waiting"
        self.waiting.add(respondent.user.id)
        self.presses += 1
        await asyncio.sleep(self.delay)
        self.waiting.discard(respondent.user.id)
        question = {"inline_keyboard": [[{"text": "1", "callback_data": "ans"}]]}
        respondent.shown(ApiCall("editMessageText", {"chat_id": 1, "reply_markup": question}))
        return self.delay


async def test_presses_arrive_at_the_offered_rate_from_idle_respondents() -> None:
    # Many respondents: a stall of the shared machine must not leave none idle.
    bot = SlowBot(respondents=500, delay=0.01)
    seen = await fixed_rate(bot, rate=200, seconds=1.0)
    assert (seen.lost, seen.turned_away) == (0, 0), seen.elapsed
    # 200 Poisson arrivals expected: far outside 140–260 only once in millions of seeds.
    assert 140 < len(seen.latencies) == bot.presses < 260, seen.elapsed
    assert 1.0 <= seen.elapsed < 3, seen.elapsed
    assert all(r.data == "ans" for r in bot.respondents if r.message is not None)


async def test_arrivals_that_find_every_respondent_waiting_are_errors() -> None:
    bot = SlowBot(respondents=2, delay=0.3)
    seen = await fixed_rate(bot, rate=100, seconds=0.5)
    # Two respondents, each busy 0.3 s: at most four presses of some 50 arrivals.
    assert len(seen.latencies) <= 4
    assert seen.turned_away >= 30
    assert seen.lost == 0
