"""`ChannelPacer`: about one post a second into each Slack channel, without a flood into one
channel holding up the others.

Slack lets an app post about one message a second into a channel (`chat.postMessage`'s
"special" rate limit) and answers a flood with HTTP 429 and `Retry-After`. A bulk edit in Jira
queues dozens of events for one channel at once; posting them as fast as the worker's threads
allow earns a 429 for nearly every post (and a read-back of the channel on each retry), and a
thread that slept on each `Retry-After` would hold up every other channel. So the delivery
poster asks the pacer before each post:

- a channel has one *lane*: the event posting into it now (its *holder*). Posts into the
  channel are one `interval` apart (a second, and a little margin); the holder waits that out
  itself between its own posts (a card and its reply);
- an event that finds the lane free, or about to be (within `max_wait`, two intervals), with
  no deferred event due before it, becomes the next holder, waiting for it in its thread.
  There is one such waiter per channel: at most two of the worker's threads are ever at one
  channel;
- any other event is *deferred* (`ChannelBusy`): the worker reschedules it, exactly (no
  jitter), to come back `lead` (one interval) before the moment the lane should be free for
  it. Deferred events queue in order, each promised its own moment, so a flood comes back one
  by one at the channel's pace, deferred about once each, instead of all at once every second;
- a 429 from Slack for the channel (another process posted there too) moves the channel's
  next post out by its `Retry-After`, for every event of this process.

The pacer is per process (one in the container's delivery writer): P processes delivering
into one channel may post up to P a second there, and Slack's 429s, honoured as above, sort
out the rest. Events of other channels never wait for a busy channel; the order of events of
one thread is the queue's (only a thread's oldest pending event is ever claimed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SEND_MARGIN_SECONDS = 0.05
"""Added to the interval between posts into a channel: two requests sent one interval apart
may reach Slack a few milliseconds closer together (a slower connection, a busy process)."""
MIN_DEFER_SECONDS = 0.25
"""The shortest deferral: an event whose moment has come but whose lane is still busy comes
back this much later, not at once (which would spin a worker thread on it)."""
STALE_TICKET_SECONDS = 30.0
"""A deferred event not back this long after its moment was taken by another process or
ended otherwise: its ticket is forgotten."""
IDLE_LANE_SECONDS = 60.0
MAX_LANES = 1000
MAX_REMEMBERED = 10_000


class ChannelBusy(Exception):
    """The channel takes no post from this event now: come back after `retry_after` seconds."""

    def __init__(self, channel: str, retry_after: float) -> None:
        super().__init__(f"Slack channel {channel} is busy: next post in {retry_after:.2f}s")
        self.channel = channel
        self.retry_after = retry_after


@dataclass
class _Lane:
    not_before: float = 0.0
    """The earliest moment of the channel's next post."""
    holder: int | None = None
    holder_posts: int = 0
    waiter: int | None = None
    queue: dict[int, float] = field(default_factory=dict)
    """Deferred events in their order of service -> the moment each was told to expect."""
    posts_per_holder: float = 1.0
    """A moving average: how many posts an event makes into this channel."""

    def idle(self, now: float) -> bool:
        return (
            self.holder is None
            and self.waiter is None
            and not self.queue
            and self.not_before < now - IDLE_LANE_SECONDS
        )


class ChannelPacer:
    """Thread-safe; one per process (the delivery `SlackWriter`'s).

    `lead`: how long before its moment a deferred event comes back (to be claimed by a
    worker thread in time); `max_wait`: the longest a thread waits for its turn; `grace`: how
    late for its moment a deferred event may be before the next one goes first (it keeps its
    place for the turn after).
    """

    def __init__(
        self, posts_per_second: float = 1.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if posts_per_second <= 0:
            raise ValueError(f"posts_per_second must be positive, not {posts_per_second}")
        self.interval = 1.0 / posts_per_second + SEND_MARGIN_SECONDS
        self.lead = self.interval
        self.max_wait = 2 * self.interval
        self.grace = 2 * self.interval
        self._clock = clock
        self._changed = threading.Condition()
        self._lanes: dict[str, _Lane] = {}
        self._unsent: dict[int, int] = {}

    # Public -------------------------------------------------------------------------------

    def acquire(self, channel: str, event: int) -> None:
        """Return when `event` may post into `channel` (after waiting at most `max_wait`), or
        raise `ChannelBusy`."""
        with self._changed:
            now = self._clock()
            lane = self._lane(channel, now)
            if lane.holder == event:
                self._next_post_of_holder(channel, lane, event, now)
            else:
                self._take_turn(channel, lane, event, now)
            lane.holder_posts += 1
            lane.not_before = self._clock() + self.interval

    def release(self, channel: str, event: int) -> None:
        """`event` has made its posts into `channel` (or gave up): the lane is free."""
        with self._changed:
            lane = self._lanes.get(channel)
            if lane is None or lane.holder != event:
                return
            if lane.holder_posts:
                lane.posts_per_holder = (lane.posts_per_holder + lane.holder_posts) / 2
            self._free(lane)

    def note_unsent(self, event: int, attempt: int) -> None:
        """Attempt `attempt` of `event` was deferred before it sent anything, as had every
        attempt before it."""
        with self._changed:
            self._unsent.pop(event, None)
            self._unsent[event] = attempt
            while len(self._unsent) > MAX_REMEMBERED:
                del self._unsent[next(iter(self._unsent))]

    def unsent(self, event: int, attempt: int) -> bool:
        """Whether attempts 1 to `attempt` of `event` all ended deferred here, unsent."""
        with self._changed:
            return self._unsent.get(event) == attempt

    def rate_limited(self, channel: str, event: int, retry_after: float) -> float:
        """Slack answered 429 to a post of `event` into `channel`: nothing goes there for
        `retry_after` seconds; returns when `event` should come back (it goes first)."""
        with self._changed:
            now = self._clock()
            lane = self._lane(channel, now)
            lane.not_before = max(lane.not_before, now + retry_after)
            if lane.holder == event:
                self._free(lane)
            return self._defer(channel, lane, event, now, ahead=0, first=True).retry_after

    # Taking turns -------------------------------------------------------------------------

    def _next_post_of_holder(self, channel: str, lane: _Lane, event: int, now: float) -> None:
        if lane.not_before - now > self.max_wait:  # a 429 moved the channel out meanwhile
            self._free(lane)
            raise self._defer(channel, lane, event, now, ahead=0, first=True)
        self._sleep_until(lane.not_before)

    def _take_turn(self, channel: str, lane: _Lane, event: int, now: float) -> None:
        moment = lane.queue.get(event)
        if moment is not None and moment - self.lead > now:  # back before its moment
            raise ChannelBusy(channel, moment - self.lead - now)
        ahead = self._ahead(lane, event, now)
        if lane.waiter is not None or ahead or self._free_at(lane) - now > self.max_wait:
            raise self._defer(channel, lane, event, now, ahead=ahead)
        lane.waiter = event
        lane.queue.pop(event, None)
        deadline = now + self.max_wait
        try:
            while lane.holder is not None or self._clock() < lane.not_before:
                left = deadline - self._clock()
                if left <= 0:
                    raise self._defer(channel, lane, event, self._clock(), ahead=0, first=True)
                wake = lane.not_before - self._clock() if lane.holder is None else left
                self._changed.wait(max(0.0, min(left, wake)))
        finally:
            lane.waiter = None
        lane.holder, lane.holder_posts = event, 0

    def _ahead(self, lane: _Lane, event: int, now: float) -> int:
        """Deferred events queued before `event` (all of them for a newcomer) that are still
        expected: not more than `grace` late for their moment."""
        count = 0
        for other, moment in lane.queue.items():
            if other == event:
                break
            if moment + self.grace >= now:
                count += 1
        return count

    def _free_at(self, lane: _Lane) -> float:
        """When a new holder could post: the holder's expected posts made, and paced."""
        if lane.holder is None:
            return lane.not_before
        left = max(0.0, lane.posts_per_holder - lane.holder_posts)
        return lane.not_before + left * self.interval

    def _defer(
        self, channel: str, lane: _Lane, event: int, now: float, *, ahead: int, first: bool = False
    ) -> ChannelBusy:
        """Promise `event` the turn after the waiter and the `ahead` events queued before it
        (a newcomer: after the last one queued), and say when to come back for it."""
        per_holder = lane.posts_per_holder * self.interval
        waiting = per_holder if lane.waiter not in (None, event) else 0.0
        turn = self._free_at(lane) + waiting + ahead * per_holder
        if first:
            lane.queue.pop(event, None)
            lane.queue = {event: turn, **lane.queue}
        elif event in lane.queue:
            lane.queue[event] = turn
        else:
            if lane.queue:
                turn = max(turn, list(lane.queue.values())[-1] + per_holder)
            lane.queue[event] = turn
        return ChannelBusy(channel, max(MIN_DEFER_SECONDS, turn - self.lead - now))

    def _free(self, lane: _Lane) -> None:
        lane.holder, lane.holder_posts = None, 0
        self._changed.notify_all()

    def _sleep_until(self, moment: float) -> None:
        while (left := moment - self._clock()) > 0:
            self._changed.wait(left)

    # Housekeeping -------------------------------------------------------------------------

    def _lane(self, channel: str, now: float) -> _Lane:
        if len(self._lanes) > MAX_LANES:
            for name in [n for n, lane in self._lanes.items() if lane.idle(now)]:
                del self._lanes[name]
        lane = self._lanes.setdefault(channel, _Lane())
        stale = [e for e, moment in lane.queue.items() if moment < now - STALE_TICKET_SECONDS]
        for event in stale:
            del lane.queue[event]
        return lane


class EventPacing:
    """One attempt's use of the pacer (a `SlackPoster`'s): it holds one channel's lane at a
    time and lets it go when it moves on to another channel or is done; and it knows when
    there is nothing of the event's earlier attempts to look for in Slack.

    `check_previous` (given: an earlier attempt may have posted) turns False when every
    earlier attempt was deferred by this process's pacer before it sent anything: a deferred
    event then comes back without reading the channel back (a flood would otherwise read a
    busy channel's history once per post).
    """

    def __init__(
        self,
        pacer: ChannelPacer | None,
        event: int,
        *,
        attempt: int | None = None,
        check_previous: bool = False,
    ) -> None:
        self._pacer = pacer
        self._event = event
        self._attempt = attempt
        self._lane: str | None = None
        self._sent = False
        unsent_before = (
            pacer is not None and attempt is not None and pacer.unsent(event, attempt - 1)
        )
        self.check_previous = check_previous and not unsent_before

    def defer_post(self, channel: str) -> float | None:
        """None when the event may post into `channel` now; else in how many seconds it
        should come back (nothing was sent)."""
        if self._pacer is None:
            return None
        if self._lane not in (None, channel):
            self.done()
        self._lane = channel
        try:
            self._pacer.acquire(channel, self._event)
        except ChannelBusy as busy:
            if not self.check_previous and not self._sent and self._attempt is not None:
                self._pacer.note_unsent(self._event, self._attempt)
            return busy.retry_after
        return None

    def sending(self) -> None:
        """A post is about to be sent: from now on, this attempt may have posted."""
        self._sent = True

    def rate_limited(self, channel: str, retry_after: float) -> float:
        """Slack answered 429 to a post into `channel`: in how many seconds to come back."""
        if self._pacer is None:
            return retry_after
        return self._pacer.rate_limited(channel, self._event, retry_after)

    @property
    def paced(self) -> bool:
        return self._pacer is not None

    def done(self) -> None:
        if self._pacer is not None and self._lane is not None:
            self._pacer.release(self._lane, self._event)
        self._lane = None
