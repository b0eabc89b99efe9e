//! Registering overrides on a running stand-in: [`OnRoute`] (from
//! [`MockServer::on`](super::MockServer::on)) adds one to the [`State`], and the
//! [`OverrideHandle`] it returns counts its hits and removes it. What an override matches and
//! answers is plain data in `reply`.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use super::reply::{Reply, Route};
use super::state::State;

/// Registers an override for one [`Route`]; from [`MockServer::on`](super::MockServer::on).
///
/// An override answers every matching request until removed, or only the next `n` with
/// [`times`](Self::times) / [`once`](Self::once). When several match, the one registered last
/// answers, so a one-off fault can sit on top of a standing override.
#[must_use = "an override does nothing until `reply` registers it"]
pub struct OnRoute {
    pub(crate) state: Arc<State>,
    pub(crate) route: Route,
    pub(crate) times: Option<usize>,
}

impl fmt::Debug for OnRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnRoute")
            .field("route", &self.route)
            .field("times", &self.times)
            .finish()
    }
}

impl OnRoute {
    /// Answers only the next matching request.
    pub fn once(self) -> OnRoute {
        self.times(1)
    }

    /// Answers only the next `n` matching requests.
    pub fn times(mut self, n: usize) -> OnRoute {
        self.times = Some(n);
        self
    }

    /// Registers `reply` for the route.
    pub fn reply(self, reply: Reply) -> OverrideHandle {
        let hits = Arc::new(AtomicUsize::new(0));
        let id = self
            .state
            .add_override(self.route, reply, self.times, hits.clone());
        OverrideHandle {
            id,
            hits,
            state: Arc::downgrade(&self.state),
        }
    }
}

/// A registered override: how often it answered, and a way to remove it.
#[derive(Debug, Clone)]
pub struct OverrideHandle {
    id: u64,
    hits: Arc<AtomicUsize>,
    state: Weak<State>,
}

impl OverrideHandle {
    /// How many requests it has answered.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Stops it from answering; the normal behaviour (or an older override) takes over.
    pub fn remove(&self) {
        if let Some(state) = self.state.upgrade() {
            state.remove_override(self.id);
        }
    }
}
