//! The HTTP side: the accept loop, one hyper HTTP/1 connection per socket, and turning an
//! [`Answer`] (or a fault) into bytes on the wire.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::handler::{self, Answer};
use super::log::{ReceivedRequest, parse_pairs};
use super::reply::ReplyKind;
use super::state::State;

/// How a connection ends when a reply asks for no response.
const KEEP: u8 = 0;
const RESET: u8 = 1;

/// Accepts connections until the task is aborted; aborting drops the [`JoinSet`], which aborts
/// every connection (and every delayed answer) with it.
pub(crate) async fn serve(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(stream, state.clone()));
                }
                // Out of file descriptors or similar: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn connection(stream: TcpStream, state: Arc<State>) {
    let ending = Arc::new(AtomicU8::new(KEEP));
    let io = TokioIo::new(Conn {
        stream,
        ending: ending.clone(),
    });
    let service = service_fn(move |request| {
        let state = state.clone();
        let ending = ending.clone();
        async move { respond(&state, request, &ending).await }
    });
    // Errors here are the client going away or a fault we injected; nothing to report.
    let _ = http1::Builder::new().serve_connection(io, service).await;
}

/// The service: log, apply an override or the normal behaviour, record the status.
async fn respond(
    state: &State,
    request: Request<Incoming>,
    ending: &AtomicU8,
) -> Result<Response<MockBody>, NoResponse> {
    let (parts, body) = request.into_parts();
    // Read at most the configured size: a huge body must not be kept in memory.
    let limit = state.config.max_request_body;
    let (body, too_large) = match Limited::new(body, limit).collect().await {
        Ok(collected) => (collected.to_bytes().to_vec(), false),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => (Vec::new(), true),
        Err(_) => return Err(NoResponse),
    };
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    let operation = state.routes.find(&method, &path).map(|e| e.operation);
    let request = ReceivedRequest {
        method,
        query: parse_pairs(&raw_query),
        path,
        raw_query,
        headers,
        body,
        operation,
        status: None,
    };
    let index = state.log(request.clone());
    if too_large {
        let answer = Answer::error(413, format!("request body larger than {limit} bytes"));
        state.log_status(index, answer.status);
        return Ok(answer.into_response(false));
    }

    let reply = state.take_override(&request.method, &request.path, operation, &request.query);
    let Some(reply) = reply else {
        let answer = handler::handle(state, &request);
        state.log_status(index, answer.status);
        return Ok(answer.into_response(false));
    };
    if !reply.handle_first && !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let (mut answer, cut) = match reply.kind {
        ReplyKind::Passthrough => (handler::handle(state, &request), false),
        ReplyKind::Fixed {
            status,
            content_type,
            body,
        } => {
            let mut answer = Answer::raw(status, body);
            if let Some(content_type) = content_type {
                answer.set_header("content-type", &content_type);
            }
            (answer, false)
        }
        ReplyKind::Truncated => {
            let mut answer = handler::handle(state, &request);
            let half = answer.body.len() / 2;
            answer.body.truncate(half);
            (answer, false)
        }
        ReplyKind::Incomplete => (handler::handle(state, &request), true),
        ReplyKind::Reset => {
            ending.store(RESET, Ordering::SeqCst);
            return Err(NoResponse);
        }
        ReplyKind::Close => return Err(NoResponse),
    };
    for (name, value) in &reply.headers {
        answer.set_header(name, value);
    }
    state.log_status(index, answer.status);
    if reply.handle_first {
        tokio::time::sleep(reply.delay).await;
    }
    Ok(answer.into_response(cut))
}

impl Answer {
    fn into_response(self, cut: bool) -> Response<MockBody> {
        let full_length = self.body.len();
        let body = if cut {
            MockBody::cut(Bytes::from(self.body[..full_length / 2].to_vec()))
        } else {
            MockBody::Full(Some(Bytes::from(self.body)))
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                continue;
            };
            headers.append(name, value);
        }
        if full_length > 0 && !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if cut {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(full_length));
        }
        response
    }
}

/// The service error that makes hyper drop the connection without a response.
#[derive(Debug)]
struct NoResponse;

impl std::fmt::Display for NoResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("mock: connection dropped on purpose")
    }
}

impl std::error::Error for NoResponse {}

/// A response body: whole, or cut short with an error so hyper aborts the connection mid-body.
enum MockBody {
    Full(Option<Bytes>),
    /// The first part; then a pause, so hyper flushes the head and that part; then an error.
    Cut(Option<Bytes>, Pin<Box<tokio::time::Sleep>>),
}

impl MockBody {
    fn cut(part: Bytes) -> MockBody {
        let pause = tokio::time::sleep(Duration::from_millis(50));
        MockBody::Cut(Some(part), Box::pin(pause))
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            MockBody::Full(data) => Poll::Ready(
                data.take()
                    .filter(|d| !d.is_empty())
                    .map(|d| Ok(Frame::data(d))),
            ),
            MockBody::Cut(data, pause) => match data.take() {
                Some(part) => Poll::Ready(Some(Ok(Frame::data(part)))),
                None => pause
                    .as_mut()
                    .poll(cx)
                    .map(|()| Some(Err(io::Error::other("mock: body cut short on purpose")))),
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, MockBody::Full(None))
            || matches!(self, MockBody::Full(Some(d)) if d.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            MockBody::Full(data) => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            MockBody::Cut(..) => SizeHint::default(),
        }
    }
}

/// The socket, plus a flag a reply sets to have the connection reset instead of closed.
struct Conn {
    stream: TcpStream,
    ending: Arc<AtomicU8>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.ending.load(Ordering::SeqCst) == RESET {
            // SO_LINGER 0: closing sends RST instead of FIN (and never blocks).
            let _ = self.stream.set_zero_linger();
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
