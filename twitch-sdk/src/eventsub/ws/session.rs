//! One EventSub WebSocket session over time: connect, welcome, bind (subscribe or assign a
//! shard), read, hand over on `session_reconnect`, and reconnect with backoff after a drop.
//!
//! One task per session reads all of its connections and makes every decision, so an event
//! crosses a single channel, the user's, on its way. During a handover the old connection keeps
//! being read until it ends, and everything from either connection passes the dedupe store, so
//! nothing is lost and nothing is delivered twice.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{Sink, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use super::connect::{Backoff, Socket, connect};
use super::frame::{self, Frame};
use super::{EventSubItem, Settings};
use crate::eventsub::Notification;

/// Work a [`Binder`] does on the session's behalf; its items go to the stream.
pub(crate) type BindFuture<'a> = Pin<Box<dyn Future<Output = Vec<EventSubItem>> + Send + 'a>>;

/// What a session does with each new session id: create subscriptions, or assign a shard.
pub(crate) trait Binder: Send + Sync + 'static {
    /// Sets up delivery to `session_id`; the items report what failed (and what worked, for
    /// shards).
    fn bind<'a>(&'a self, session_id: &'a str) -> BindFuture<'a>;

    /// The session's connection was lost; a new session id follows.
    fn lost(&self) {}

    /// Twitch revoked a subscription: do not recreate it.
    fn revoked(&self, _revocation: &crate::eventsub::Revocation) {}

    /// A notification arrived; some ask for work (a conduit runner re-assigns a disabled
    /// shard), which runs after the notification is delivered. `None` for most, so the hot
    /// path allocates nothing.
    fn notified<'a>(&'a self, _notification: &Notification) -> Option<BindFuture<'a>> {
        None
    }
}

/// A reserved place in the consumer's channel.
type Slot = mpsc::OwnedPermit<EventSubItem>;

/// What a connection delivered.
#[derive(Debug)]
enum Read {
    Text(Utf8Bytes),
    Closed { code: Option<u16>, reason: String },
}

impl Read {
    /// What a socket's next item means here; `None` for frames the session ignores (pings,
    /// which tungstenite answers, and binary frames, which are not EventSub's).
    fn of(next: Option<Result<Message, WsError>>) -> Option<Read> {
        match next {
            Some(Ok(Message::Text(text))) => Some(Read::Text(text)),
            Some(Ok(Message::Close(frame))) => Some(Read::Closed {
                code: frame.as_ref().map(|f| u16::from(f.code)),
                reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
            }),
            Some(Ok(_)) => None,
            Some(Err(e)) => Some(Read::Closed {
                code: None,
                reason: e.to_string(),
            }),
            None => Some(Read::Closed {
                code: None,
                reason: "connection ended".to_owned(),
            }),
        }
    }
}

/// How long a retired connection may take to finish before it is dropped.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// A connection retired by a handover: its close frame goes out, and it is still read until
/// the server closes it, since events it had in flight count as much as the new one's.
struct Draining {
    socket: Socket,
    /// Whether the close frame has left (it is queued at once, then flushed as the socket allows).
    flushed: bool,
}

impl Draining {
    fn start(mut socket: Socket) -> Draining {
        // Queued now; `poll_read` flushes it. A socket that cannot take it is broken, and its
        // read says so.
        let _ = Pin::new(&mut socket).start_send(Message::Close(None));
        Draining {
            socket,
            flushed: false,
        }
    }

    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, WsError>>> {
        if !self.flushed {
            self.flushed = Pin::new(&mut self.socket).poll_flush(cx).is_ready();
        }
        self.socket.poll_next_unpin(cx)
    }
}

/// The next item of any retired connection, with its index.
fn next_draining(
    draining: &mut [Draining],
) -> impl Future<Output = (usize, Option<Result<Message, WsError>>)> + '_ {
    std::future::poll_fn(move |cx| {
        for (at, d) in draining.iter_mut().enumerate() {
            if let Poll::Ready(next) = d.poll_read(cx) {
                return Poll::Ready((at, next));
            }
        }
        Poll::Pending
    })
}

/// Why the connected phase ended.
enum End {
    /// Connection lost: reconnect with a new session.
    Lost,
    /// The user dropped the stream.
    Stop,
}

/// Runs a session until the user drops the stream.
pub(crate) async fn run(
    settings: Arc<Settings>,
    binder: Arc<dyn Binder>,
    out: mpsc::Sender<EventSubItem>,
) {
    let mut session = Session {
        settings,
        binder,
        out,
        backlog: VecDeque::new(),
        session_id: None,
    };
    session.run().await;
}

struct Session {
    settings: Arc<Settings>,
    binder: Arc<dyn Binder>,
    out: mpsc::Sender<EventSubItem>,
    /// Items for a consumer whose channel is full, oldest first (at most `settings.backlog`,
    /// then reading pauses).
    backlog: VecDeque<EventSubItem>,
    /// The last session id bound.
    session_id: Option<String>,
}

impl Session {
    async fn run(&mut self) {
        let backoff = Backoff {
            min: self.settings.backoff_min,
            max: self.settings.backoff_max,
        };
        let mut attempt = 0u32;
        loop {
            if attempt > 0 {
                let wait = sleep(backoff.delay(attempt));
                tokio::pin!(wait);
                loop {
                    tokio::select! {
                        () = &mut wait => break,
                        () = self.out.closed() => return,
                        permit = self.reserve(), if !self.backlog.is_empty() => {
                            if !self.hand_over(permit) {
                                return;
                            }
                        }
                    }
                }
            }
            attempt = attempt.saturating_add(1);
            let Some((socket, welcome)) = self.open().await else {
                continue;
            };
            match self.connected(socket, welcome).await {
                End::Lost => {
                    self.binder.lost();
                    attempt = 1;
                }
                End::Stop => return,
            }
        }
    }

    fn url(&self) -> String {
        let url = &self.settings.url;
        match self.settings.keepalive {
            Some(secs) => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}keepalive_timeout_seconds={secs}")
            }
            None => url.clone(),
        }
    }

    /// Connects and waits for the welcome; reports a failure as a `Disconnected` item.
    async fn open(&mut self) -> Option<(Socket, frame::SessionInfo)> {
        let limit = self.settings.protocol(10.0);
        let connected =
            tokio::time::timeout(limit, connect(&self.settings.http, &self.url())).await;
        let mut socket = match connected.unwrap_or_else(|_| Err("connect timed out".to_owned())) {
            Ok(socket) => socket,
            Err(reason) => {
                self.emit(EventSubItem::Disconnected {
                    code: None,
                    reason: format!("connect failed: {reason}"),
                })
                .await;
                return None;
            }
        };
        let deadline = Instant::now() + self.settings.protocol(10.0);
        loop {
            let next = tokio::select! {
                permit = self.reserve(), if !self.backlog.is_empty() => {
                    if !self.hand_over(permit) {
                        return None;
                    }
                    continue;
                }
                next = socket.next() => next,
                () = sleep_until(deadline) => {
                    self.emit(EventSubItem::Disconnected {
                        code: None,
                        reason: "no welcome".to_owned(),
                    })
                    .await;
                    return None;
                }
            };
            match Read::of(next) {
                None => {}
                Some(Read::Text(text)) => match frame::parse(&text) {
                    Ok(Frame::Welcome(info)) => return Some((socket, info)),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "eventsub: unreadable frame before the welcome")
                    }
                },
                Some(Read::Closed { code, reason }) => {
                    self.emit(EventSubItem::Disconnected { code, reason }).await;
                    return None;
                }
            }
        }
    }

    /// Hands `item` to the consumer, or queues it when the consumer's channel is full; false once
    /// the stream is dropped.
    ///
    /// It does not wait for the consumer: a session that stopped reading would stop answering
    /// pings too, and Twitch closes such a connection (4002) with its events. Only a full
    /// backlog pauses reading (see `reading`).
    async fn emit(&mut self, item: EventSubItem) -> bool {
        use mpsc::error::TrySendError;
        if !self.backlog.is_empty() {
            self.backlog.push_back(item);
            return true;
        }
        let item = match self.out.try_send(item) {
            Ok(()) => return true,
            Err(TrySendError::Closed(_)) => return false,
            Err(TrySendError::Full(item)) => item,
        };
        // A consumer on this thread gets to catch up before anything is queued here.
        tokio::task::yield_now().await;
        match self.out.try_send(item) {
            Ok(()) => true,
            Err(TrySendError::Closed(_)) => false,
            Err(TrySendError::Full(item)) => {
                self.backlog.push_back(item);
                true
            }
        }
    }

    /// A slot in the consumer's channel, for the backlog's oldest item. The permit does not
    /// borrow the session, which the item's handling then needs. The sender is cloned only when
    /// the future is first polled (an `async fn` runs nothing before that): `select!` builds
    /// every branch's future on each turn, a disabled one's too, and this branch is disabled
    /// for every message while nothing waits.
    async fn reserve(&self) -> Result<Slot, mpsc::error::SendError<()>> {
        self.out.clone().reserve_owned().await
    }

    /// Sends the oldest queued item with a reserved slot; false once the stream is dropped.
    fn hand_over(&mut self, permit: Result<Slot, mpsc::error::SendError<()>>) -> bool {
        let Ok(permit) = permit else { return false };
        if let Some(item) = self.backlog.pop_front() {
            permit.send(item);
        }
        true
    }

    /// Whether the session reads its connections: not while its backlog is full.
    fn reading(&self) -> bool {
        self.backlog.len() < self.settings.backlog.max(1)
    }

    /// Binds a new session id and reports the connection.
    async fn welcomed(&mut self, info: &frame::SessionInfo, handover: bool) -> bool {
        let first = self.session_id.is_none();
        let new_id = self.session_id.as_deref() != Some(info.id.as_str());
        if new_id {
            self.session_id = Some(info.id.clone());
            for item in self.binder.bind(&info.id).await {
                if !self.emit(item).await {
                    return false;
                }
            }
        }
        let session_id = info.id.clone();
        let item = if first {
            EventSubItem::Connected { session_id }
        } else {
            EventSubItem::Reconnected {
                session_id,
                handover,
            }
        };
        self.emit(item).await
    }

    /// The connected phase: read, hand over, watch the keepalive.
    ///
    /// This task reads every connection itself, so a notification crosses one channel only, the
    /// user's. While a handover runs, the new connection (until its welcome) and the retired ones
    /// (until their server closes them) are read before the live one: they carry little, and a
    /// busy live connection must not keep a welcome waiting.
    async fn connected(&mut self, socket: Socket, welcome: frame::SessionInfo) -> End {
        let mut active = socket;
        let mut keepalive = self.keepalive_of(&welcome);
        if !self.welcomed(&welcome, false).await {
            return End::Stop;
        }
        let mut last_seen = Instant::now();
        let mut pending: Option<Socket> = None;
        let mut connecting: Option<JoinHandle<Result<Socket, String>>> = None;
        let mut draining: Vec<Draining> = Vec::new();
        // The keepalive timer is not moved on every message (that would register a timer per
        // frame); when it fires, it checks the last message and waits on if there was one.
        // A dropped stream aborts this task, and any item sent after it fails, so the output
        // needs no watch of its own here.
        let silence = sleep_until(last_seen + keepalive);
        tokio::pin!(silence);
        let give_up = sleep(CLOSE_WAIT);
        tokio::pin!(give_up);
        loop {
            tokio::select! {
                biased;
                done = async { connecting.as_mut().expect("guarded").await }, if connecting.is_some() => {
                    connecting = None;
                    match done {
                        Ok(Ok(socket)) => pending = Some(socket),
                        // Twitch closes the old connection (4004) when the move never happens;
                        // that ends in an ordinary reconnect.
                        Ok(Err(reason)) => {
                            tracing::warn!(%reason, "eventsub: cannot reach the reconnect URL; staying on the old connection");
                        }
                        Err(_) => {}
                    }
                }
                permit = self.reserve(), if !self.backlog.is_empty() => {
                    if !self.hand_over(permit) {
                        return End::Stop;
                    }
                }
                (at, next) = next_draining(&mut draining), if !draining.is_empty() && self.reading() => {
                    match Read::of(next) {
                        None => {}
                        Some(Read::Text(text)) => {
                            if let Step::Stop = self.handle(&text).await {
                                return End::Stop;
                            }
                        }
                        Some(Read::Closed { .. }) => {
                            draining.swap_remove(at);
                        }
                    }
                }
                () = &mut give_up, if !draining.is_empty() => {
                    tracing::debug!(connections = draining.len(), "eventsub: retired connections did not close in time; dropped");
                    draining.clear();
                }
                next = async { pending.as_mut().expect("guarded").next().await }, if pending.is_some() && self.reading() => {
                    match Read::of(next) {
                        None => {}
                        Some(Read::Text(text)) => {
                            if let Ok(Frame::Welcome(info)) = frame::parse(&text) {
                                // The new connection is live: retire the old one, which is
                                // still read until its server closes it.
                                let Some(new) = pending.take() else { continue };
                                let old = std::mem::replace(&mut active, new);
                                draining.push(Draining::start(old));
                                give_up.as_mut().reset(Instant::now() + CLOSE_WAIT);
                                keepalive = self.keepalive_of(&info);
                                last_seen = Instant::now();
                                if !self.welcomed(&info, true).await {
                                    return End::Stop;
                                }
                            } else if let Step::Stop = self.handle(&text).await {
                                return End::Stop;
                            }
                        }
                        Some(Read::Closed { code, reason }) => {
                            pending = None;
                            tracing::warn!(?code, %reason, "eventsub: the reconnect connection closed before its welcome");
                        }
                    }
                }
                next = active.next(), if self.reading() => {
                    match Read::of(next) {
                        // A ping is not a message: it does not count against the keepalive.
                        None => continue,
                        Some(Read::Text(text)) => match self.handle(&text).await {
                            Step::Continue => {}
                            Step::Stop => return End::Stop,
                            // A second `session_reconnect` while one is being followed changes
                            // nothing: the first move goes on.
                            Step::Reconnect(_) if pending.is_some() || connecting.is_some() => {}
                            Step::Reconnect(url) => {
                                let limit = self.settings.protocol(10.0);
                                let http = self.settings.http.clone();
                                connecting = Some(tokio::spawn(async move {
                                    match tokio::time::timeout(limit, connect(&http, &url)).await {
                                        Ok(connected) => connected,
                                        Err(_) => Err("connect timed out".to_owned()),
                                    }
                                }));
                            }
                        },
                        Some(Read::Closed { code, reason }) => {
                            self.emit(EventSubItem::Disconnected { code, reason }).await;
                            return End::Lost;
                        }
                    }
                    // Taken after the message is handled: time spent waiting for a slow
                    // consumer to take items is not silence on the connection.
                    last_seen = Instant::now();
                }
                () = &mut silence => {
                    let due = last_seen + keepalive;
                    if due > Instant::now() {
                        silence.as_mut().reset(due);
                        continue;
                    }
                    let reason = format!("no message for {:?} (keepalive timeout)", keepalive);
                    self.emit(EventSubItem::Disconnected { code: None, reason }).await;
                    return End::Lost;
                }
            }
        }
    }

    /// The session's keepalive timeout with the margin, in real time.
    fn keepalive_of(&self, info: &frame::SessionInfo) -> Duration {
        let secs = info
            .keepalive_timeout_seconds
            .or(self.settings.keepalive)
            .unwrap_or(10);
        self.settings.protocol(secs as f64 + self.settings.margin)
    }

    /// One text frame of a live connection.
    async fn handle(&mut self, text: &str) -> Step {
        let frame = match frame::parse(text) {
            Ok(frame) => frame,
            Err(e) => {
                tracing::warn!(error = %e, "eventsub: unreadable WebSocket frame skipped");
                return Step::Continue;
            }
        };
        match frame {
            Frame::Keepalive | Frame::Welcome(_) => Step::Continue,
            Frame::Other(kind) => {
                tracing::debug!(%kind, "eventsub: unknown message type skipped");
                Step::Continue
            }
            Frame::Reconnect { url } => Step::Reconnect(url),
            Frame::Message(message) => {
                if !self
                    .settings
                    .dedupe
                    .first_sighting(&message.message_id)
                    .await
                {
                    return Step::Continue;
                }
                let item = frame::decode(message);
                // Its own handle: the follow-up work holds the binder while items go out.
                let binder = Arc::clone(&self.binder);
                let mut follow_up = None;
                match &item {
                    EventSubItem::Notification(n) => follow_up = binder.notified(n),
                    EventSubItem::Revoked(revocation) => binder.revoked(revocation),
                    EventSubItem::Undecodable { message_id, error } => {
                        tracing::warn!(%message_id, %error, "eventsub: message not decodable");
                    }
                    _ => {}
                }
                if !self.emit(item).await {
                    return Step::Stop;
                }
                let Some(work) = follow_up else {
                    return Step::Continue;
                };
                for item in work.await {
                    if !self.emit(item).await {
                        return Step::Stop;
                    }
                }
                Step::Continue
            }
        }
    }
}

enum Step {
    Continue,
    Stop,
    Reconnect(String),
}
