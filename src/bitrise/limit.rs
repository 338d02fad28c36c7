//! The adaptive bound on requests in flight, shared by every request of a [`super::Client`]:
//! it starts at `--concurrency`, halves (not below 1) when the API answers 429, and grows back
//! by one after each run of `limit` consecutive successful responses, up to `--concurrency`
//! again (additive increase, multiplicative decrease).
//!
//! The bound is a tokio [`Semaphore`]. Shrinking forgets permits that are free right now; the
//! permits held by requests in flight cannot be taken back, so they are counted as a debt and
//! forgotten when those requests finish. Growing first cancels debt, then adds permits. All
//! bookkeeping happens under one mutex, so no permit is ever lost or counted twice.
//!
//! [`Pacer`] is the optional `--max-rps`: each request reserves the next start time, one
//! interval after the previous reservation, and waits for it.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::{AcquireError, Semaphore, SemaphorePermit};

/// How a request that held a slot ended, as far as the limit cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A 2xx answer: the API keeps up with this many in flight.
    Success,
    /// A 429: the API asks to slow down.
    Throttled,
    /// Anything else (5xx, transport error): says nothing about the rate, but ends a run of
    /// successes.
    Other,
}

/// The arithmetic of the limit, apart from the semaphore so that it can be tested alone.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Level {
    /// The current bound on requests in flight.
    limit: usize,
    /// The bound never grows beyond this (`--concurrency`).
    max: usize,
    /// Consecutive successes since the last change or failure.
    streak: usize,
    /// Counts decreases; a slot remembers the epoch it was taken in, so that the 429s of a
    /// burst sent at the old limit halve it once, not once per request.
    epoch: u64,
}

/// What the semaphore must do after an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    None,
    Grow,
    Shrink(usize),
}

impl Level {
    fn new(max: usize) -> Level {
        let max = max.max(1);
        Level {
            limit: max,
            max,
            streak: 0,
            epoch: 0,
        }
    }

    /// Records the outcome of a request taken in `epoch`.
    fn record(&mut self, outcome: Outcome, epoch: u64) -> Change {
        match outcome {
            Outcome::Success => {
                self.streak += 1;
                if self.streak >= self.limit && self.limit < self.max {
                    self.limit += 1;
                    self.streak = 0;
                    return Change::Grow;
                }
                Change::None
            }
            Outcome::Throttled => {
                self.streak = 0;
                // A request sent before the last decrease saw the old, higher limit: its 429
                // is already answered by that decrease.
                if epoch != self.epoch || self.limit == 1 {
                    return Change::None;
                }
                let halved = (self.limit / 2).max(1);
                let removed = self.limit - halved;
                self.limit = halved;
                self.epoch += 1;
                Change::Shrink(removed)
            }
            Outcome::Other => {
                self.streak = 0;
                Change::None
            }
        }
    }
}

/// The semaphore and its level, plus the permits still to be forgotten.
#[derive(Debug)]
struct Book {
    level: Level,
    /// Permits held by requests in flight that must be forgotten rather than returned.
    debt: usize,
}

/// The adaptive in-flight limit; see the module docs.
#[derive(Debug)]
pub(crate) struct InFlightLimit {
    permits: Semaphore,
    book: Mutex<Book>,
}

/// A place among the requests in flight; it gives its permit back (or pays the debt with it)
/// when dropped, after [`Slot::finish`] said how the request ended.
pub(crate) struct Slot<'a> {
    owner: &'a InFlightLimit,
    permit: Option<SemaphorePermit<'a>>,
    epoch: u64,
    outcome: Outcome,
}

impl InFlightLimit {
    pub(crate) fn new(max: usize) -> InFlightLimit {
        let level = Level::new(max);
        InFlightLimit {
            permits: Semaphore::new(level.limit),
            book: Mutex::new(Book { level, debt: 0 }),
        }
    }

    /// Waits for a free place. Fails only if the semaphore is closed, which it never is.
    pub(crate) async fn acquire(&self) -> Result<Slot<'_>, AcquireError> {
        let permit = self.permits.acquire().await?;
        let epoch = self.book().level.epoch;
        Ok(Slot {
            owner: self,
            permit: Some(permit),
            epoch,
            outcome: Outcome::Other,
        })
    }

    /// The current bound on requests in flight.
    #[cfg(test)]
    fn limit(&self) -> usize {
        self.book().level.limit
    }

    /// How many more requests could start now if the bound were still the maximum: the
    /// maximum minus the requests in flight. (Permits in circulation are `limit + debt`.)
    pub(crate) fn free_of_max(&self) -> usize {
        let book = self.book();
        let in_circulation = book.level.limit + book.debt;
        let in_flight = in_circulation.saturating_sub(self.permits.available_permits());
        book.level.max.saturating_sub(in_flight)
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        // The book holds plain numbers that are always consistent between statements, so a
        // panic elsewhere while it was held cannot have left it half-written.
        self.book
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn release(&self, permit: SemaphorePermit<'_>, outcome: Outcome, epoch: u64) {
        let mut book = self.book();
        match book.level.record(outcome, epoch) {
            Change::None => {}
            Change::Grow => {
                if book.debt > 0 {
                    // The permit still owed simply stays in circulation.
                    book.debt -= 1;
                } else {
                    self.permits.add_permits(1);
                }
            }
            Change::Shrink(removed) => {
                let forgotten = self.permits.forget_permits(removed);
                book.debt += removed - forgotten;
            }
        }
        if book.debt > 0 {
            book.debt -= 1;
            permit.forget();
        } else {
            drop(permit);
        }
    }
}

impl Slot<'_> {
    /// Says how the request ended; a slot dropped without it counts as [`Outcome::Other`].
    pub(crate) fn finish(&mut self, outcome: Outcome) {
        self.outcome = outcome;
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            self.owner.release(permit, self.outcome, self.epoch);
        }
    }
}

/// Starts requests no faster than a given rate: `--max-rps`.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    /// The earliest start of the next request.
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer of `per_second` starts a second (at least 1).
    pub(crate) fn new(per_second: u32) -> Pacer {
        Pacer {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(None),
        }
    }

    /// Waits until this request may start. The start time is reserved under the lock and
    /// waited for outside it, so concurrent requests queue one interval apart.
    pub(crate) async fn wait(&self) {
        let start = {
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            reserve(&mut next, Instant::now(), self.interval)
        };
        tokio::time::sleep_until(start).await;
    }
}

/// The start of a request asking at `now`: the reserved `next` time or `now`, whichever is
/// later; `next` moves one interval past it. An idle spell earns no burst: a request after a
/// long pause starts at once, and the one after it an interval later.
fn reserve(next: &mut Option<Instant>, now: Instant, interval: Duration) -> Instant {
    let start = next.map_or(now, |at| at.max(now));
    *next = Some(start + interval);
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_halves_the_limit_down_to_one() {
        let mut level = Level::new(8);
        // 8 → 4 → 2 → 1, each 429 sent after the previous decrease (current epoch).
        for expected in [4, 2, 1] {
            let epoch = level.epoch;
            let before = level.limit;
            assert_eq!(
                level.record(Outcome::Throttled, epoch),
                Change::Shrink(before - expected)
            );
            assert_eq!(level.limit, expected);
        }
        // At 1 it stays 1.
        let epoch = level.epoch;
        assert_eq!(level.record(Outcome::Throttled, epoch), Change::None);
        assert_eq!(level.limit, 1);
        // An odd limit rounds down: 7 / 2 = 3, so 4 permits go.
        let mut odd = Level::new(7);
        assert_eq!(odd.record(Outcome::Throttled, 0), Change::Shrink(4));
        assert_eq!(odd.limit, 3);
    }

    #[test]
    fn the_429s_of_one_burst_halve_once() {
        let mut level = Level::new(8);
        // Eight requests taken in epoch 0 all come back 429: only the first one halves.
        let changes: Vec<Change> = (0..8)
            .map(|_| level.record(Outcome::Throttled, 0))
            .collect();
        assert_eq!(changes[0], Change::Shrink(4));
        assert!(changes[1..].iter().all(|c| *c == Change::None));
        assert_eq!(level.limit, 4);
    }

    #[test]
    fn the_limit_grows_by_one_after_limit_successes_up_to_the_max() {
        let mut level = Level::new(4);
        level.record(Outcome::Throttled, 0);
        level.record(Outcome::Throttled, 1);
        assert_eq!(level.limit, 1);
        // From 1: 1 success → 2, 2 more → 3, 3 more → 4 (the max): 1 + 2 + 3 = 6 successes.
        let mut limits = Vec::new();
        for _ in 0..10 {
            level.record(Outcome::Success, level.epoch);
            limits.push(level.limit);
        }
        assert_eq!(limits, [2, 2, 3, 3, 3, 4, 4, 4, 4, 4]);
    }

    #[test]
    fn a_failure_restarts_the_run_of_successes() {
        let mut level = Level::new(8);
        level.record(Outcome::Throttled, 0);
        assert_eq!(level.limit, 4);
        // 3 successes, a 5xx, then 3 more: never 4 in a row, so no growth.
        for outcome in [Outcome::Success; 3]
            .into_iter()
            .chain([Outcome::Other])
            .chain([Outcome::Success; 3])
        {
            assert_eq!(level.record(outcome, 1), Change::None);
        }
        assert_eq!(level.limit, 4);
        // The 4th success in a row grows it to 5.
        assert_eq!(level.record(Outcome::Success, 1), Change::Grow);
        assert_eq!(level.limit, 5);
    }

    #[tokio::test]
    async fn shrinking_with_requests_in_flight_forgets_their_permits_as_they_finish() {
        let limit = InFlightLimit::new(4);
        let mut slots = Vec::new();
        for _ in 0..3 {
            slots.push(limit.acquire().await.expect("open"));
        }
        // 3 in flight, 1 free: the max 4 minus 3.
        assert_eq!(limit.free_of_max(), 1);
        // One comes back 429: limit 4 → 2; the free permit is forgotten, one more is owed.
        let mut throttled = slots.pop().expect("slot");
        throttled.finish(Outcome::Throttled);
        drop(throttled);
        assert_eq!(limit.limit(), 2);
        // The throttled request's own permit paid the debt: 2 in flight, none free.
        assert_eq!(limit.permits.available_permits(), 0);
        assert_eq!(limit.free_of_max(), 2);
        // The other two finish with successes: their permits come back (streak 2 = limit 2
        // grows the limit to 3 on the second, adding a permit): 0 + 1 + 1 + 1 = 3 free.
        for mut slot in slots {
            slot.finish(Outcome::Success);
        }
        assert_eq!(limit.limit(), 3);
        assert_eq!(limit.permits.available_permits(), 3);
        assert_eq!(limit.free_of_max(), 4);
    }

    #[test]
    fn the_pacer_spaces_starts_one_interval_apart_and_earns_no_burst() {
        let t0 = Instant::now();
        let interval = Duration::from_millis(50);
        let mut next = None;
        // Four asking at once start at 0, 50, 100 and 150 ms.
        let starts: Vec<Duration> = (0..4)
            .map(|_| reserve(&mut next, t0, interval) - t0)
            .collect();
        assert_eq!(starts, [0, 50, 100, 150].map(Duration::from_millis));
        // One asking at 1 s (after the reservations ran out) starts at once; the next at
        // 1 s + 50 ms, not earlier.
        let later = t0 + Duration::from_secs(1);
        assert_eq!(reserve(&mut next, later, interval), later);
        assert_eq!(reserve(&mut next, later, interval), later + interval);
        // 20 a second is an interval of 1000 / 20 = 50 ms.
        assert_eq!(Pacer::new(20).interval, interval);
    }

    #[tokio::test]
    async fn owed_permits_are_forgotten_by_the_requests_that_finish_next() {
        let limit = InFlightLimit::new(4);
        let mut slots = Vec::new();
        for _ in 0..4 {
            slots.push(limit.acquire().await.expect("open"));
        }
        let mut finish = |outcome| {
            let mut slot = slots.remove(0);
            slot.finish(outcome);
        };
        // All 4 in flight; a 429: limit 4 → 2, 2 permits owed, none free to forget. The
        // throttled request pays 1 with its own permit: 1 still owed.
        finish(Outcome::Throttled);
        assert_eq!((limit.limit(), limit.book().debt), (2, 1));
        // A success (streak 1 of 2) pays the last one: its permit is not returned.
        finish(Outcome::Success);
        assert_eq!(limit.book().debt, 0);
        assert_eq!(limit.permits.available_permits(), 0);
        // The next success is the 2nd in a row at limit 2: limit 3, one permit added and its
        // own returned: 0 + 1 + 1 = 2 free, 1 in flight.
        finish(Outcome::Success);
        assert_eq!(limit.limit(), 3);
        assert_eq!(limit.permits.available_permits(), 2);
        // The last returns its permit: 3 free, the whole limit.
        finish(Outcome::Other);
        assert_eq!(limit.permits.available_permits(), 3);
        assert_eq!(limit.free_of_max(), 4);
    }
}
