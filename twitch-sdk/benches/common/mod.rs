//! What the bench binaries share: the thread CPU clock they measure with, and the plain serde
//! shape of an EventSub notification that their floors decode into. Each bench uses a part of it.
#![allow(dead_code)]

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// CPU time this thread has run, from the scheduler's accounting (Linux:
/// `/proc/thread-self/schedstat`), so other load on a shared machine does not count.
pub fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// A notification as plain serde sees it when the caller already knows the event's type.
#[derive(Debug, Deserialize)]
pub struct PlainNotification<E> {
    pub subscription: PlainSubscription,
    pub event: E,
}

/// The `subscription` object, with nothing but derives.
#[derive(Debug, Deserialize)]
pub struct PlainSubscription {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: String,
    pub status: String,
    #[serde(default)]
    pub cost: u64,
    #[serde(default)]
    pub condition: Value,
    pub transport: PlainTransport,
    pub created_at: String,
}

/// The subscription's `transport`.
#[derive(Debug, Deserialize)]
pub struct PlainTransport {
    pub method: String,
    pub callback: Option<String>,
    pub session_id: Option<String>,
    pub conduit_id: Option<String>,
}
