//! The fleet's rate-limit buckets: one Redis hash per bucket, changed only by the Lua scripts
//! below, so that every change is atomic however many processes share the bucket.
//!
//! The scripts follow the in-process bucket (`crate::ratelimit`) rule for rule, with the count of
//! requests in flight kept fleet-wide:
//! - `TAKE`: until the bucket's size is known, one request at a time (a probe, leased for a
//!   while in case its process dies); then one point per request; when none is left, wait for
//!   the reset (plus a little slack), after which the bucket counts as full. While requests are
//!   in flight the wait is short: their answers may show points left (see `REPORT`).
//! - `REPORT`: a response's `Ratelimit-*` headers correct the count (never upwards within one
//!   window, less the requests still in flight). Once nothing is in flight, the lowest count the
//!   server reported for the window is exact and replaces the estimate. Answers from a window
//!   already over are ignored.
//! - `EXHAUSTED`: a 429 empties the bucket until the reset it announces.
//! - `RELEASE`: a `TAKE` the caller gave up waiting for (Redis too slow) may still run once Redis
//!   catches up, before or after the caller's `RELEASE`. Had it taken the probe, nobody would
//!   report its answer and every process would wait out the probe's lease. So `RELEASE` frees the
//!   probe if that caller holds it, and otherwise leaves a short-lived mark that makes the late
//!   `TAKE` change nothing.
//!
//! Hash fields: `limit` (0 unknown, -1 the server sends no headers), `remaining`, `reset` (Unix
//! ms, 0 none), `flight`, `low` (lowest `remaining` the server reported for `reset`), `floor`
//! (the reset of the last window that ended), `probe` (lease of the probe, Unix ms), `owner` (who
//! holds the probe). The hash
//! expires after two idle minutes, so a count left behind by a crashed process heals.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_core::future::BoxFuture;
use redis::Script;

use super::link::Link;
use crate::ratelimit::{RESET_SLACK, RateHeaders, SharedBudget, Take};

/// How long an idle bucket hash is kept.
const IDLE_TTL: Duration = Duration::from_secs(120);
/// How long a probe may stay unanswered before another process probes.
const PROBE_LEASE: Duration = Duration::from_secs(10);
/// How often the head of a queue asks again while another process's request decides.
const POLL: Duration = Duration::from_millis(5);
/// How often a report (or a release) that Redis did not answer is sent again.
const RETRY: Duration = Duration::from_millis(50);

static TAKE: LazyLock<Script> = LazyLock::new(|| Script::new(TAKE_LUA));
static REPORT: LazyLock<Script> = LazyLock::new(|| Script::new(REPORT_LUA));
static EXHAUSTED: LazyLock<Script> = LazyLock::new(|| Script::new(EXHAUSTED_LUA));
static RELEASE: LazyLock<Script> = LazyLock::new(|| Script::new(RELEASE_LUA));

/// KEYS[1]: the bucket; KEYS[2]: the caller's gave-up mark. ARGV: now, reset slack, idle TTL,
/// probe lease (all ms), caller's id. Returns `{1, 0}`: go; `{0, ms}`: ask again after `ms`;
/// `{0, -1}`: ask again shortly; `{2, 0}`: the caller gave up on this request already.
const TAKE_LUA: &str = r#"
local k = KEYS[1]
if redis.call('DEL', KEYS[2]) == 1 then
  return {2, 0}
end
local now = tonumber(ARGV[1])
local b = redis.call('HMGET', k, 'limit', 'remaining', 'reset', 'flight', 'probe')
local limit = tonumber(b[1]) or 0
local remaining = tonumber(b[2]) or 0
local reset = tonumber(b[3]) or 0
local flight = tonumber(b[4]) or 0
local probe = tonumber(b[5]) or 0
if limit < 0 then
  return {1, 0}
end
if limit > 0 and reset > 0 and reset + tonumber(ARGV[2]) <= now then
  redis.call('HSET', k, 'floor', reset, 'reset', 0)
  redis.call('HDEL', k, 'low')
  remaining = limit
  reset = 0
end
if limit == 0 then
  if probe > now then
    return {0, -1}
  end
  redis.call('HSET', k, 'probe', now + tonumber(ARGV[4]), 'owner', ARGV[5])
elseif remaining > 0 then
  remaining = remaining - 1
elseif flight > 0 then
  return {0, -1}
elseif reset > 0 then
  return {0, reset + tonumber(ARGV[2]) - now}
else
  redis.call('HSET', k, 'limit', 0, 'probe', now + tonumber(ARGV[4]), 'owner', ARGV[5])
end
redis.call('HSET', k, 'remaining', remaining, 'flight', flight + 1)
redis.call('PEXPIRE', k, ARGV[3])
return {1, 0}
"#;

/// KEYS[1]: the bucket. ARGV: answered (1/0), limit, remaining, reset (ms; -1 when absent),
/// idle TTL (ms).
const REPORT_LUA: &str = r#"
local k = KEYS[1]
local b = redis.call('HMGET', k, 'limit', 'remaining', 'reset', 'flight', 'low', 'floor')
local limit = tonumber(b[1]) or 0
local remaining = tonumber(b[2]) or 0
local reset = tonumber(b[3]) or 0
local flight = math.max((tonumber(b[4]) or 0) - 1, 0)
local low = tonumber(b[5])
local floor = tonumber(b[6]) or 0
redis.call('HSET', k, 'flight', flight)
redis.call('PEXPIRE', k, ARGV[5])
local hl = tonumber(ARGV[2])
local hr = tonumber(ARGV[3])
local hreset = tonumber(ARGV[4])
if ARGV[1] ~= '1' then
  if limit == 0 then
    redis.call('HDEL', k, 'probe', 'owner')
  end
  return 0
end
if hl < 0 or hr < 0 then
  if limit == 0 then
    redis.call('HSET', k, 'limit', -1)
    redis.call('HDEL', k, 'probe', 'owner')
  end
  return 0
end
if hreset > 0 and hreset <= floor then
  return 0
end
local estimate = math.max(hr - flight, 0)
local same
if limit <= 0 or reset == 0 or hreset > reset then
  remaining = estimate
  if hreset > 0 then
    reset = hreset
  end
  low = hr
  same = true
else
  remaining = math.min(remaining, estimate)
  same = hreset > 0 and hreset == reset
end
if same then
  low = math.min(low or hr, hr)
  if flight == 0 then
    remaining = low
  end
end
redis.call('HSET', k, 'limit', math.max(hl, 1), 'remaining', remaining, 'reset', reset)
if low then
  redis.call('HSET', k, 'low', low)
end
redis.call('HDEL', k, 'probe', 'owner')
return 1
"#;

/// KEYS[1]: the bucket. ARGV: limit (-1 when absent), reset (ms; -1 when absent), idle TTL (ms).
const EXHAUSTED_LUA: &str = r#"
local k = KEYS[1]
local limit = tonumber(redis.call('HGET', k, 'limit')) or 0
local hl = tonumber(ARGV[1])
local hreset = tonumber(ARGV[2])
if limit <= 0 and hreset <= 0 then
  return 0
end
if hl > 0 then
  limit = hl
elseif limit <= 0 then
  limit = 1
end
redis.call('HSET', k, 'limit', limit, 'remaining', 0, 'low', 0)
if hreset > 0 then
  redis.call('HSET', k, 'reset', hreset)
end
redis.call('HDEL', k, 'probe', 'owner')
redis.call('PEXPIRE', k, ARGV[3])
return 1
"#;

/// KEYS[1]: the bucket; KEYS[2]: the caller's gave-up mark. ARGV: the id of a caller that gave
/// up on its `TAKE`, the probe lease (ms). Frees the probe (and its place in flight) if that
/// `TAKE` ran and took it; otherwise marks the caller so that its `TAKE`, should it still run,
/// changes nothing.
const RELEASE_LUA: &str = r#"
local k = KEYS[1]
if redis.call('HGET', k, 'owner') ~= ARGV[1] then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  return 0
end
local flight = tonumber(redis.call('HGET', k, 'flight')) or 0
redis.call('HSET', k, 'flight', math.max(flight - 1, 0))
redis.call('HDEL', k, 'probe', 'owner')
return 1
"#;

/// The fleet's [`SharedBudget`].
pub(crate) struct RedisBudget {
    link: Arc<Link>,
    prefix: String,
}

impl RedisBudget {
    pub(crate) fn new(link: Arc<Link>, prefix: &str) -> Self {
        RedisBudget {
            link,
            prefix: format!("{prefix}bucket:"),
        }
    }

    fn key(&self, bucket: &str) -> String {
        format!("{}{bucket}", self.prefix)
    }

    /// Runs `script` in the background (the response it reports is already in hand), again
    /// every [`RETRY`] until Redis answers or the probe's lease has passed. A report lost to a
    /// Redis hiccup would otherwise leave the probe standing, and every process on the bucket
    /// waiting out its lease. Running a report twice (sent, run, but answered too late) is
    /// harmless: it counts one request fewer in flight, never below zero, and sets the same
    /// counts again.
    fn run_in_background(
        &self,
        what: &'static str,
        script: &'static Script,
        keys: Vec<String>,
        args: Vec<String>,
    ) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let link = self.link.clone();
        runtime.spawn(async move {
            let give_up = tokio::time::Instant::now() + PROBE_LEASE;
            loop {
                let answered = link
                    .run(what, |mut conn| {
                        let mut call = script.prepare_invoke();
                        keys.iter().for_each(|key| {
                            call.key(key);
                        });
                        args.iter().for_each(|arg| {
                            call.arg(arg);
                        });
                        async move { call.invoke_async::<i64>(&mut conn).await }
                    })
                    .await;
                if answered.is_some() || tokio::time::Instant::now() >= give_up {
                    return;
                }
                tokio::time::sleep(RETRY).await;
            }
        });
    }

    fn report(&self, what: &'static str, script: &'static Script, key: String, args: Vec<i64>) {
        let args = args.iter().map(i64::to_string).collect();
        self.run_in_background(what, script, vec![key], args);
    }

    /// After a `TAKE` got no answer in time: frees the probe that `TAKE` may have taken, or
    /// marks it so that, run late, it changes nothing.
    fn release_later(&self, key: String, owner: String) {
        let mark = gave_up(&key, &owner);
        let args = vec![owner, millis(PROBE_LEASE).to_string()];
        self.run_in_background(
            "releasing an abandoned probe",
            &RELEASE,
            vec![key, mark],
            args,
        );
    }
}

impl SharedBudget for RedisBudget {
    fn take<'a>(&'a self, key: &'a str, now: SystemTime) -> BoxFuture<'a, Option<Take>> {
        let key = self.key(key);
        Box::pin(async move {
            let owner = super::owner_id();
            let mut sent = false;
            let answer: Option<(i64, i64)> = self
                .link
                .run("taking a rate-limit point", |mut conn| {
                    sent = true;
                    let (key, owner) = (key.clone(), owner.clone());
                    async move {
                        TAKE.key(&key)
                            .key(gave_up(&key, &owner))
                            .arg(unix_ms(Some(now)))
                            .arg(millis(RESET_SLACK))
                            .arg(millis(IDLE_TTL))
                            .arg(millis(PROBE_LEASE))
                            .arg(owner)
                            .invoke_async(&mut conn)
                            .await
                    }
                })
                .await;
            let Some((go, wait)) = answer else {
                // Sent but unanswered in time: Redis may still run it.
                if sent {
                    self.release_later(key, owner);
                }
                return None;
            };
            Some(match (go, wait) {
                (1, _) => Take::Go,
                (2, _) => return None,
                (_, wait) if wait < 0 => Take::Wait(POLL),
                (_, wait) => Take::Wait(Duration::from_millis(wait as u64).max(POLL)),
            })
        })
    }

    fn answered(&self, key: &str, headers: Option<RateHeaders>) {
        let args = match headers {
            Some(h) => vec![1, number(h.limit), number(h.remaining), unix_ms(h.reset)],
            None => vec![0, -1, -1, -1],
        };
        let args = [args, vec![millis(IDLE_TTL)]].concat();
        self.report("reporting rate-limit headers", &REPORT, self.key(key), args);
    }

    fn exhausted(&self, key: &str, headers: RateHeaders) {
        let args = vec![
            number(headers.limit),
            unix_ms(headers.reset),
            millis(IDLE_TTL),
        ];
        self.report("reporting a 429", &EXHAUSTED, self.key(key), args);
    }
}

/// The key marking that `owner` gave up on its `TAKE` of `bucket`.
fn gave_up(bucket: &str, owner: &str) -> String {
    format!("{bucket}:gave-up:{owner}")
}

fn millis(d: Duration) -> i64 {
    d.as_millis().min(i64::MAX as u128) as i64
}

/// Unix milliseconds, or -1 for none.
fn unix_ms(at: Option<SystemTime>) -> i64 {
    at.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(-1, millis)
}

fn number(n: Option<u32>) -> i64 {
    n.map_or(-1, i64::from)
}
