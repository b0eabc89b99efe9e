//! Secrets stay secret: the client secret, access tokens and refresh tokens never appear in the
//! `Debug` of any handle, token or builder, in any error, or in anything the SDK logs through
//! `tracing`; on the wire they travel only in the `Authorization` header and the OAuth form.
//!
//! Each test walks the paths where a secret could slip out (token fetch, refresh, a rotated
//! refresh token, a failed refresh, 401, 429, 5xx retries, decode errors) and then searches every
//! output for every secret the stand-in handed out.

mod support;

use std::sync::{Arc, Mutex};

use twitch_sdk::mock::{MockServer, Reply};
use twitch_sdk::{
    AppApi, Client, ClientCredentials, Error, TokenError, TokenSet, UserApi, UserToken,
};

use support::{bearer, client, issue, refreshable};

const CLIENT_SECRET: &str = "client-secret-never-printed";

/// What a run produced: the handles and tokens to print, the errors, and every secret.
struct Run {
    mock: MockServer,
    client: Client,
    app: AppApi,
    user: UserApi,
    token: UserToken,
    refreshes: Arc<Mutex<Vec<TokenSet>>>,
    errors: Vec<Error>,
}

impl Run {
    /// Every secret of the run: the client secrets sent (the right one and a wrong one), and
    /// each access and refresh token issued.
    fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![CLIENT_SECRET.to_owned()];
        for request in self.mock.requests() {
            let token = bearer(&request);
            if !token.is_empty() {
                secrets.push(token.to_owned());
            }
            let form = request.form();
            secrets.extend(
                form.into_iter()
                    .filter(|(k, _)| k == "refresh_token" || k == "client_secret")
                    .map(|(_, v)| v),
            );
        }
        for set in self.refreshes.lock().unwrap().iter() {
            secrets.push(set.access_token.expose().to_owned());
            secrets.extend(set.refresh_token.iter().map(|r| r.expose().to_owned()));
        }
        secrets.sort();
        secrets.dedup();
        secrets
    }
}

/// Token fetch and refresh, retries, a failed refresh, and an error of each kind.
async fn run() -> Run {
    capture::install();
    let mock = MockServer::builder()
        .client("redaction-client", CLIENT_SECRET)
        .start()
        .await
        .unwrap();
    let (access, refresh) = issue(&mock, &["moderator:manage:banned_users"]);
    let refreshes: Arc<Mutex<Vec<TokenSet>>> = Arc::default();
    let hook = refreshes.clone();
    let token = refreshable(&mock, &access, &refresh)
        .on_refresh(move |t: &TokenSet| hook.lock().unwrap().push(t.clone()));
    let client = client(&mock).max_retries(1).build().unwrap();
    let user = client.user(token.clone()).await.unwrap();
    let app = client
        .app(ClientCredentials::new(mock.client_id(), CLIENT_SECRET))
        .await
        .unwrap();
    let mut errors = Vec::new();

    // A refresh after a 401, a 5xx retry and a 429 retry.
    mock.expire_token(&access);
    mock.on("get-users").once().reply(Reply::error(500, "oops"));
    user.get_users().await.unwrap();
    mock.on("get-users")
        .once()
        .reply(Reply::error(429, "Too Many Requests"));
    app.get_users().user_logins(["twitchdev"]).await.unwrap();

    // Helix rejects even the refreshed token: Unauthorized.
    mock.on("get-users")
        .times(2)
        .reply(Reply::error(401, "Invalid OAuth token"));
    errors.push(user.get_users().await.unwrap_err());
    // A body that does not decode, and one that is not JSON.
    mock.on("get-users").once().reply(Reply::malformed_json());
    errors.push(app.get_users().await.unwrap_err());
    mock.on("ban-user").once().reply(Reply::html_502());
    errors.push(user.ban_user("9876").await.unwrap_err());
    // The refresh token is revoked: the refresh fails.
    let current = refreshes.lock().unwrap().last().unwrap().clone();
    mock.revoke_token(current.refresh_token.as_ref().unwrap().expose());
    mock.expire_token(current.access_token.expose());
    errors.push(user.get_users().await.unwrap_err());
    // Wrong credentials.
    errors.push(
        client
            .app(ClientCredentials::new(mock.client_id(), "wrong-secret"))
            .await
            .unwrap_err(),
    );

    assert!(
        matches!(&errors[0], Error::Unauthorized { .. })
            && matches!(&errors[1], Error::Decode { .. })
            && matches!(&errors[2], Error::Status { status: 502, .. })
            && matches!(&errors[3], Error::Token(TokenError { message: m, .. }) if m.contains("Invalid refresh token"))
            && matches!(&errors[4], Error::Token(TokenError { message: m, .. }) if m.contains("invalid client secret")),
        "{errors:?}"
    );
    Run {
        mock,
        client,
        app,
        user,
        token,
        refreshes,
        errors,
    }
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output_and_errors() {
    let run = run().await;
    let secrets = run.secrets();
    assert!(secrets.len() >= 7, "{} secrets", secrets.len());

    let mut printed = format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        run.client,
        run.app,
        run.user,
        run.token,
        ClientCredentials::new(run.mock.client_id(), CLIENT_SECRET),
        run.refreshes.lock().unwrap(),
        run.user.get_users().user_logins(["twitchdev"]),
        run.app.get_clips_by_user_id("1").paginate(),
        run.app.get_clips_by_user_id("1").into_stream(),
    );
    for err in &run.errors {
        printed.push_str(&format!("\n{err}\n{err:?}"));
    }
    for secret in &secrets {
        assert!(
            !printed.contains(secret.as_str()),
            "{secret} leaked:\n{printed}"
        );
    }
    // The secrets are there, as placeholders.
    assert!(printed.contains("access_token: [redacted]"), "{printed}");
    assert!(
        printed.contains("client_secret: Some([redacted])"),
        "{printed}"
    );
    assert!(
        printed.contains("redaction-client"),
        "the client id is not a secret"
    );
}

/// On the wire, tokens go only in the `Authorization` header; the client secret and refresh
/// tokens only in the OAuth form; nothing else carries them.
#[tokio::test]
async fn secrets_travel_only_where_they_must() {
    let run = run().await;
    let secrets = run.secrets();
    let requests = run.mock.requests();
    assert!(requests.len() > 10);
    for request in &requests {
        let form = request.form();
        for secret in &secrets {
            let in_form = form.iter().any(|(_, v)| v == secret);
            let may_be_in_form = request.path == "/oauth2/token";
            let leaked =
                request.contains_outside_authorization(secret) && !(may_be_in_form && in_form);
            assert!(!leaked, "{secret} in {} {}", request.method, request.path);
        }
        assert!(!request.raw_query.contains(CLIENT_SECRET));
        if request.path.starts_with("/helix/") {
            assert!(!format!("{:?}", request.headers).contains(CLIENT_SECRET));
        }
    }
}

/// Captures everything logged through `tracing`, as text.
///
/// It is the process's global subscriber, installed by every test of this file before the SDK
/// runs: a subscriber set per thread can miss callsites another test's thread registers at the
/// same moment. Each thread logs into its own buffer (the tests run on current-thread runtimes,
/// so a test's SDK tasks log on its thread), and the stack of entered spans is kept so that
/// `Span::current().record(..)` (how the SDK adds the status and attempt) reaches it too.
mod capture {
    use std::cell::RefCell;
    use std::sync::{Mutex, OnceLock};

    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata};
    use tracing_core::span::Current;

    thread_local! {
        static LOG: RefCell<String> = RefCell::default();
        static ENTERED: RefCell<Vec<u64>> = RefCell::default();
    }

    #[derive(Default)]
    struct Capture {
        spans: Mutex<Vec<&'static Metadata<'static>>>,
    }

    struct Fields<'a>(&'a mut String);

    impl tracing::field::Visit for Fields<'_> {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            self.0.push_str(&format!(" {}={value:?}", field.name()));
        }
    }

    fn write(f: impl FnOnce(&mut String)) {
        LOG.with(|log| f(&mut log.borrow_mut()));
    }

    impl tracing::Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut spans = self.spans.lock().unwrap();
            spans.push(span.metadata());
            write(|out| {
                out.push_str(&format!("\nspan {}", span.metadata().name()));
                span.record(&mut Fields(out));
            });
            Id::from_u64(spans.len() as u64)
        }
        fn record(&self, id: &Id, values: &Record<'_>) {
            write(|out| {
                out.push_str(&format!("\nrecord {}", id.into_u64()));
                values.record(&mut Fields(out));
            });
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            write(|out| {
                out.push_str("\nevent");
                event.record(&mut Fields(out));
            });
        }
        fn enter(&self, id: &Id) {
            ENTERED.with(|e| e.borrow_mut().push(id.into_u64()));
        }
        fn exit(&self, _: &Id) {
            ENTERED.with(|e| e.borrow_mut().pop());
        }
        fn current_span(&self) -> Current {
            let Some(id) = ENTERED.with(|e| e.borrow().last().copied()) else {
                return Current::none();
            };
            let metadata = self.spans.lock().unwrap()[id as usize - 1];
            Current::new(Id::from_u64(id), metadata)
        }
    }

    /// Makes the capture the global subscriber (once per process).
    pub fn install() {
        static INSTALLED: OnceLock<()> = OnceLock::new();
        INSTALLED.get_or_init(|| {
            tracing::subscriber::set_global_default(Capture::default())
                .expect("no other global subscriber in this test binary");
        });
    }

    /// What this thread logged since the last call.
    pub fn take() -> String {
        LOG.with(|log| std::mem::take(&mut *log.borrow_mut()))
    }
}

/// Everything logged at every level during the run: no secret in any span or event field.
#[tokio::test(flavor = "current_thread")]
async fn logs_carry_no_secrets() {
    capture::install();
    capture::take();
    let run = run().await;
    let log = capture::take();
    for expected in [
        "span twitch_sdk",
        "operation=\"get-users\"",
        "status=500",
        "status=429",
        "status=401",
        "attempt=2",
        "span twitch_oauth",
        "token renewed",
        "token renewal failed",
    ] {
        assert!(log.contains(expected), "no {expected} in:\n{log}");
    }
    for secret in run.secrets() {
        assert!(!log.contains(secret.as_str()), "{secret} leaked:\n{log}");
    }
}
