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
//!
//! Hash fields: `limit` (0 unknown, -1 the server sends no headers), `remaining`, `reset` (Unix
//! ms, 0 none), `flight`, `low` (lowest `remaining` the server reported for `reset`), `floor`
//! (the reset of the last window that ended), `probe` (lease of the probe, Unix ms). The hash
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

static TAKE: LazyLock<Script> = LazyLock::new(|| Script::new(TAKE_LUA));
static REPORT: LazyLock<Script> = LazyLock::new(|| Script::new(REPORT_LUA));
static EXHAUSTED: LazyLock<Script> = LazyLock::new(|| Script::new(EXHAUSTED_LUA));

/// KEYS[1]: the bucket. ARGV: now, reset slack, idle TTL, probe lease (all ms).
/// Returns `{1, 0}`: go; `{0, ms}`: ask again after `ms`; `{0, -1}`: ask again shortly.
const TAKE_LUA: &str = r#"
local k = KEYS[1]
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
  redis.call('HSET', k, 'probe', now + tonumber(ARGV[4]))
elseif remaining > 0 then
  remaining = remaining - 1
elseif flight > 0 then
  return {0, -1}
elseif reset > 0 then
  return {0, reset + tonumber(ARGV[2]) - now}
else
  redis.call('HSET', k, 'limit', 0, 'probe', now + tonumber(ARGV[4]))
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
    redis.call('HDEL', k, 'probe')
  end
  return 0
end
if hl < 0 or hr < 0 then
  if limit == 0 then
    redis.call('HSET', k, 'limit', -1)
    redis.call('HDEL', k, 'probe')
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
redis.call('HDEL', k, 'probe')
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
redis.call('HDEL', k, 'probe')
redis.call('PEXPIRE', k, ARGV[3])
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

    /// Runs a report script in the background: the response it reports is already in hand.
    fn report(&self, what: &'static str, script: &'static Script, key: String, args: Vec<i64>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let link = self.link.clone();
        runtime.spawn(async move {
            link.run(what, |mut conn| async move {
                let mut call = script.key(key);
                for arg in args {
                    call.arg(arg);
                }
                call.invoke_async::<i64>(&mut conn).await
            })
            .await;
        });
    }
}

impl SharedBudget for RedisBudget {
    fn take<'a>(&'a self, key: &'a str, now: SystemTime) -> BoxFuture<'a, Option<Take>> {
        let key = self.key(key);
        Box::pin(async move {
            let (go, wait): (i64, i64) = self
                .link
                .run("taking a rate-limit point", |mut conn| async move {
                    TAKE.key(key)
                        .arg(unix_ms(Some(now)))
                        .arg(millis(RESET_SLACK))
                        .arg(millis(IDLE_TTL))
                        .arg(millis(PROBE_LEASE))
                        .invoke_async(&mut conn)
                        .await
                })
                .await?;
            Some(match (go, wait) {
                (1, _) => Take::Go,
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
