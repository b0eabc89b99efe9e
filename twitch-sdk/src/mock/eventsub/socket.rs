//! The stand-in's EventSub WebSocket server: one task per connection sending the welcome,
//! keepalives in silence, pings, what the hub queues for it, and the close codes Twitch uses.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::hub::{Hub, now_rfc3339};
use super::registry::Outbound;

/// Seconds a client has to subscribe after the welcome, and to move after `session_reconnect`.
const SUBSCRIBE_WINDOW_SECS: u64 = 10;
const RECONNECT_GRACE_SECS: u64 = 30;

/// Accepts connections until the task is aborted (which aborts every connection with it).
pub(crate) async fn serve(listener: TcpListener, hub: Arc<Hub>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(stream, hub.clone()));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// What the handshake's URL asked for.
#[derive(Debug, Default)]
struct Asked {
    keepalive: Option<u64>,
    reconnect: Option<String>,
}

fn parse_query(query: &str) -> Asked {
    let mut asked = Asked::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            // Twitch takes the nearest valid value for a number out of range.
            "keepalive_timeout_seconds" => {
                asked.keepalive = value.parse::<u64>().ok().map(|s| s.clamp(10, 600));
            }
            "reconnect" => asked.reconnect = Some(value.into_owned()),
            _ => {}
        }
    }
    asked
}

// The handshake callback's error type is tungstenite's (an HTTP response), not ours to shrink.
#[allow(clippy::result_large_err)]
async fn connection(stream: TcpStream, hub: Arc<Hub>) {
    let mut asked = Asked::default();
    let callback = |request: &Request, response: Response| {
        asked = parse_query(request.uri().query().unwrap_or(""));
        Ok(response)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    let (link, rx) = hub.new_link();
    let serial = link.serial;
    let (session_id, keepalive, fresh) = match asked.reconnect {
        Some(session_id) => match hub.take_over(&session_id, link) {
            Some((old, keepalive)) => {
                // Everything the old connection still had queued goes out before the welcome.
                let (done, flushed) = tokio::sync::oneshot::channel();
                if old.tx.send(Outbound::Flushed(done)).is_ok() {
                    let _ = tokio::time::timeout(Duration::from_secs(5), flushed).await;
                }
                (session_id, keepalive, false)
            }
            None => {
                let _ = ws.close(Some(close_frame(4007, "invalid reconnect"))).await;
                return;
            }
        },
        None => {
            let keepalive = asked.keepalive.unwrap_or(10);
            (hub.open_session(link, keepalive), keepalive, true)
        }
    };
    let welcome = json!({
        "metadata": {
            "message_id": hub.message_id(),
            "message_type": "session_welcome",
            "message_timestamp": now_rfc3339(),
        },
        "payload": {"session": {
            "id": session_id,
            "status": "connected",
            "connected_at": now_rfc3339(),
            "keepalive_timeout_seconds": keepalive,
            "reconnect_url": null,
            "recovery_url": null,
        }},
    });
    if ws.send(Message::text(welcome.to_string())).await.is_err() {
        hub.connection_ended(&session_id, serial, "websocket_network_error");
        return;
    }
    let mut conn = Conn {
        hub: &hub,
        session_id: &session_id,
        serial,
        keepalive: hub.protocol_secs(keepalive),
        subscribe_by: fresh.then(|| Instant::now() + hub.protocol_secs(SUBSCRIBE_WINDOW_SECS)),
    };
    let status = conn.run(&mut ws, rx).await;
    hub.connection_ended(&session_id, serial, status);
}

struct Conn<'a> {
    hub: &'a Hub,
    session_id: &'a str,
    serial: u64,
    keepalive: Duration,
    subscribe_by: Option<Instant>,
}

/// How a connection task ends: the subscription status its end leaves behind.
type EndStatus = &'static str;

impl Conn<'_> {
    async fn run(
        &mut self,
        ws: &mut WebSocketStream<TcpStream>,
        mut rx: UnboundedReceiver<Outbound>,
    ) -> EndStatus {
        let far = Instant::now() + Duration::from_secs(86_400 * 365);
        // Keepalives go out a little before the client's timeout, and only in silence.
        let keepalive_gap = self.keepalive.mul_f64(0.75);
        let mut next_keepalive = Instant::now() + keepalive_gap;
        let ping_gap = self
            .hub
            .timing
            .ping_every
            .map(|s| self.hub.protocol_secs(s));
        let mut next_ping = ping_gap.map_or(far, |gap| Instant::now() + gap);
        let mut pong_owed = false;
        let mut grace_until = far;
        let mut stalled = false;
        let mut retired = false;
        loop {
            let subscribe_by = self.subscribe_by.unwrap_or(far);
            tokio::select! {
                out = rx.recv() => {
                    let Some(out) = out else { return "websocket_disconnected" };
                    match out {
                        Outbound::Text(_) | Outbound::Reconnect(_) if stalled => {}
                        Outbound::Text(text) => {
                            if ws.send(Message::text(text)).await.is_err() {
                                return "websocket_network_error";
                            }
                            next_keepalive = Instant::now() + keepalive_gap;
                        }
                        Outbound::Reconnect(text) => {
                            if ws.send(Message::text(text)).await.is_err() {
                                return "websocket_network_error";
                            }
                            grace_until = Instant::now() + self.hub.protocol_secs(RECONNECT_GRACE_SECS);
                        }
                        Outbound::Close(code, reason) => {
                            let _ = ws.close(Some(close_frame(code, reason))).await;
                            return status_for(code);
                        }
                        Outbound::Drop => return "websocket_network_error",
                        Outbound::Flushed(done) => {
                            let _ = done.send(());
                            retired = true;
                            grace_until = far;
                            next_keepalive = far;
                        }
                        Outbound::Stall => stalled = true,
                    }
                }
                incoming = ws.next() => match incoming {
                    Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                        let _ = ws.close(Some(close_frame(4001, "client sent inbound traffic"))).await;
                        return "websocket_received_inbound_traffic";
                    }
                    Some(Ok(Message::Pong(_))) => pong_owed = false,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return "websocket_disconnected",
                    Some(Ok(_)) => {}
                },
                () = sleep_until(next_keepalive), if !stalled && !retired => {
                    let frame = json!({
                        "metadata": {
                            "message_id": self.hub.message_id(),
                            "message_type": "session_keepalive",
                            "message_timestamp": now_rfc3339(),
                        },
                        "payload": {},
                    });
                    if ws.send(Message::text(frame.to_string())).await.is_err() {
                        return "websocket_network_error";
                    }
                    next_keepalive = Instant::now() + keepalive_gap;
                }
                () = sleep_until(next_ping), if !stalled => {
                    if pong_owed {
                        let _ = ws.close(Some(close_frame(4002, "client failed ping-pong"))).await;
                        return "websocket_failed_ping_pong";
                    }
                    if ws.send(Message::Ping(Bytes::from_static(b"mock"))).await.is_err() {
                        return "websocket_network_error";
                    }
                    pong_owed = true;
                    next_ping = Instant::now() + ping_gap.unwrap_or(Duration::from_secs(86_400));
                }
                () = sleep_until(subscribe_by) => {
                    self.subscribe_by = None;
                    if !self.hub.session_used(self.session_id) {
                        let _ = ws.close(Some(close_frame(4003, "connection unused"))).await;
                        return "websocket_connection_unused";
                    }
                }
                () = sleep_until(grace_until) => {
                    grace_until = far;
                    if self.hub.is_current(self.session_id, self.serial) {
                        let _ = ws.close(Some(close_frame(4004, "reconnect grace time expired"))).await;
                        return "websocket_failed_to_reconnect";
                    }
                }
            }
        }
    }
}

fn close_frame(code: u16, reason: &'static str) -> CloseFrame {
    CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    }
}

/// The subscription status a close code leaves behind.
fn status_for(code: u16) -> EndStatus {
    match code {
        4000 => "websocket_internal_error",
        4001 => "websocket_received_inbound_traffic",
        4002 => "websocket_failed_ping_pong",
        4003 => "websocket_connection_unused",
        4004 => "websocket_failed_to_reconnect",
        4005 => "websocket_network_timeout",
        4006 => "websocket_network_error",
        _ => "websocket_disconnected",
    }
}
