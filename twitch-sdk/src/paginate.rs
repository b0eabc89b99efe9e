//! Cursor pagination: [`Paginator`] pages by hand, [`PageStream`] streams items, and
//! [`Api::collect`] gathers everything up to a limit.
//!
//! Helix pages with an opaque cursor in `pagination.cursor`, sent back as `after` for the next page
//! (and as `before` for the previous one where the operation allows it). Each page asks for
//! `min(largest page, items still wanted)` items. Paging stops when the cursor is empty or absent,
//! when a page is empty, when the limit is reached, and when Helix hands back a cursor it already
//! gave (a loop that would otherwise never end).
//!
//! Some listings (followers, chatters, subscriptions) also carry a top-level `total`, and
//! subscriptions `points`; the paginator keeps them from the most recent page
//! ([`Paginator::total`], [`Paginator::points`]); user emotes carry the URL template for emote
//! images ([`Paginator::template`]).

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::de::DeserializeOwned;

use crate::api::{Api, ResponseFuture};
use crate::error::{Error, Result};
use crate::request::Request;

impl Api {
    /// Follows every page of `req` and returns the items, at most `limit` of them.
    pub fn collect<T: DeserializeOwned + Send + 'static>(
        &self,
        req: Request,
        limit: Option<usize>,
    ) -> ResponseFuture<Vec<T>> {
        let paginator = Paginator::new(self.clone(), req, limit);
        Box::pin(paginator.collect_all())
    }
}

/// Pages through a paginated operation by hand; the equivalent of the reference library's
/// `PaginatedRequest`.
///
/// Made by a generated builder's `paginate()`. Nothing is sent until [`next_page`](Self::next_page).
pub struct Paginator<T> {
    api: Api,
    req: Request,
    limit: Option<usize>,
    cursor: Option<String>,
    seen: HashSet<String>,
    done: bool,
    fetched: usize,
    total: Option<u64>,
    points: Option<u64>,
    template: Option<String>,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.req.endpoint().operation)
            .field("limit", &self.limit)
            .field("cursor", &self.cursor)
            .field("done", &self.done)
            .field("fetched", &self.fetched)
            .field("total", &self.total)
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> Paginator<T> {
    /// Pages `req`, stopping after `limit` items when given.
    pub fn new(api: Api, req: Request, limit: Option<usize>) -> Self {
        Paginator {
            api,
            req,
            limit,
            cursor: None,
            seen: HashSet::new(),
            done: limit == Some(0),
            fetched: 0,
            total: None,
            points: None,
            template: None,
            _item: std::marker::PhantomData,
        }
    }

    /// The cursor for the next request, once a page has been fetched.
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    /// Whether every page has been fetched (or the limit reached).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// How many items the pages fetched so far held.
    pub fn fetched_count(&self) -> usize {
        self.fetched
    }

    /// The `total` Helix sent with the most recent page: how many items the whole list holds
    /// (all followers of the channel, all chatters, all subscriptions), not how many were
    /// fetched. Twitch reports it even when it shows no items, for example the follower count
    /// to a token that may not list the followers.
    ///
    /// `None` before the first page, and for operations whose pages carry no total. Helix counts
    /// at the time of each page, so the number can change while paging.
    ///
    /// ```no_run
    /// # async fn demo(user: twitch_sdk::UserApi) -> twitch_sdk::Result<()> {
    /// let mut pages = user.get_channel_followers().paginate();
    /// while let Some(page) = pages.next_page().await? {
    ///     let total = pages.total().unwrap_or_default();
    ///     println!("{} of {total} followers", pages.fetched_count());
    /// #   let _ = page;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The `points` Helix sent with the most recent page: for broadcaster subscriptions, the
    /// broadcaster's subscriber points (a Tier 1 sub counts 1, Tier 2 counts 2, Tier 3 counts 6).
    /// `None` before the first page and for every other operation.
    pub fn points(&self) -> Option<u64> {
        self.points
    }

    /// The `template` Helix sent with the most recent page: for user emotes, the URL template
    /// of emote images (replace `{{id}}`, `{{format}}`, `{{theme_mode}}` and `{{scale}}`).
    /// `None` before the first page and for every other operation.
    ///
    /// ```no_run
    /// # async fn demo(user: twitch_sdk::UserApi) -> twitch_sdk::Result<()> {
    /// let mut pages = user.get_user_emotes().paginate();
    /// while let Some(emotes) = pages.next_page().await? {
    ///     let template = pages.template().unwrap_or_default();
    ///     for emote in emotes {
    ///         println!("{}", template.replace("{{id}}", &emote.id));
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn template(&self) -> Option<&str> {
        self.template.as_deref()
    }

    /// Keeps what Helix sent beside the items of `page`.
    fn keep_extras(&mut self, page: &crate::decode::Page<T>) {
        (self.total, self.points) = (page.total, page.points);
        if page.template.is_some() {
            self.template.clone_from(&page.template);
        }
    }

    /// Fetches the next page: `None` once there is nothing left.
    ///
    /// On an error the paginator is unchanged, so calling again retries the same page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>> {
        if self.done {
            return Ok(None);
        }
        let remaining = self.remaining();
        let mut req = self.page_request(remaining);
        if let Some(cursor) = &self.cursor {
            // The cursor replaces a starting `after` the caller set on the builder.
            req.query.retain(|(name, _)| *name != "after");
            req.query("after", cursor.clone());
        }
        let page = self.api.page::<T>(req).await?;
        self.keep_extras(&page);
        let (mut items, next) = (page.items, page.cursor);
        if let Some(remaining) = remaining {
            items.truncate(remaining);
        }
        self.fetched += items.len();
        if let Some(sent) = self.cursor.take() {
            self.seen.insert(sent);
        }
        let repeated = next.as_ref().is_some_and(|c| self.seen.contains(c));
        let limit_reached = self.limit.is_some_and(|limit| self.fetched >= limit);
        if repeated {
            tracing::warn!(
                operation = self.req.endpoint().operation,
                "Helix returned a cursor it already gave; stopping pagination"
            );
        }
        self.done = next.is_none() || items.is_empty() || repeated || limit_reached;
        self.cursor = if repeated { None } else { next };
        Ok(if items.is_empty() { None } else { Some(items) })
    }

    /// Fetches the page before the current one, with the cursor as `before`; `None` when there is
    /// no cursor to go back from (nothing fetched yet, or the start of the list was reached) or
    /// the previous page is empty. Afterwards [`next_page`](Self::next_page) goes forward from the
    /// cursor Helix returned, or from the first page when it returned none.
    ///
    /// Only some operations page backwards; for the others this is [`Error::InvalidArgument`] and
    /// nothing is sent.
    pub async fn previous_page(&mut self) -> Result<Option<Vec<T>>> {
        let endpoint = self.req.endpoint();
        if !endpoint.paging.is_some_and(|p| p.before) {
            return Err(Error::InvalidArgument {
                name: "before".into(),
                reason: format!("{} does not page backwards", endpoint.operation),
            });
        }
        let Some(cursor) = self.cursor.clone() else {
            return Ok(None);
        };
        let mut req = self.page_request(self.remaining());
        req.query("before", cursor);
        let page = self.api.page::<T>(req).await?;
        self.keep_extras(&page);
        let (items, next) = (page.items, page.cursor);
        self.fetched += items.len();
        // Going back makes the forward cursors valid again. Without a cursor Helix is at the
        // start of the list: the next page is the first one again.
        self.seen.clear();
        self.done = false;
        self.cursor = next;
        Ok(if items.is_empty() { None } else { Some(items) })
    }

    /// Turns the paginator into a stream of items, one page in memory at a time.
    pub fn into_stream(self) -> PageStream<T> {
        PageStream {
            paginator: Some(self),
            buffer: VecDeque::new(),
            pending: None,
        }
    }

    /// Fetches every remaining page and returns their items.
    pub(crate) async fn collect_all(mut self) -> Result<Vec<T>> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }

    fn remaining(&self) -> Option<usize> {
        self.limit.map(|limit| limit.saturating_sub(self.fetched))
    }

    /// The base request with the page size set: the largest page, or fewer when the limit is near.
    fn page_request(&self, remaining: Option<usize>) -> Request {
        let mut req = self.req.clone();
        let Some(paging) = req.endpoint().paging else {
            return req;
        };
        if paging.page_size.is_none() {
            return req;
        }
        // A page size the caller set is the largest page they want; one below 1 is left for
        // the argument check to reject.
        let asked = match req.page_size {
            Some(size) if size < 1 => return req,
            Some(size) => usize::try_from(size).ok(),
            None => None,
        };
        let size = [paging.max_page_size.map(|m| m as usize), asked, remaining]
            .into_iter()
            .flatten()
            .min();
        if let Some(size) = size {
            req.page_size = Some(i64::try_from(size.max(1)).unwrap_or(i64::MAX));
        }
        req
    }
}

type PageFuture<T> =
    Pin<Box<dyn Future<Output = (Paginator<T>, Result<Option<Vec<T>>>)> + Send + 'static>>;

/// The items of every page as a [`Stream`], fetched a page at a time.
///
/// Ends after the last page, or right after yielding an error.
pub struct PageStream<T> {
    paginator: Option<Paginator<T>>,
    buffer: VecDeque<T>,
    pending: Option<PageFuture<T>>,
}

// No field is structurally pinned: items are moved out of the buffer by value.
impl<T> Unpin for PageStream<T> {}

impl<T: DeserializeOwned + Send + 'static> PageStream<T> {
    /// The next item, `None` after the last one; fetches the next page when the current one is
    /// used up. The same as `StreamExt::next`, without depending on `futures-util`.
    ///
    /// ```no_run
    /// # async fn demo(app: twitch_sdk::AppApi) -> twitch_sdk::Result<()> {
    /// let mut games = app.get_top_games().paginate().into_stream();
    /// while let Some(game) = games.next().await {
    ///     println!("{}", game?.name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[allow(clippy::should_implement_trait)] // an async method, not `Iterator::next`
    pub async fn next(&mut self) -> Option<Result<T>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The next item as `Ok(Some(item))`, `Ok(None)` after the last one, or the error that ended
    /// the stream. Suits `?`: `while let Some(item) = stream.try_next().await? { ... }`.
    pub async fn try_next(&mut self) -> Result<Option<T>> {
        self.next().await.transpose()
    }
}

impl<T> fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("paginator", &self.paginator)
            .field("buffered", &self.buffer.len())
            .field("fetching", &self.pending.is_some())
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for PageStream<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(pending) = this.pending.as_mut() {
                let (paginator, result) = match pending.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(done) => done,
                };
                this.pending = None;
                match result {
                    Ok(Some(page)) => {
                        this.buffer.extend(page);
                        this.paginator = Some(paginator);
                    }
                    Ok(None) => return Poll::Ready(None),
                    Err(e) => return Poll::Ready(Some(Err(e))),
                }
                continue;
            }
            let Some(mut paginator) = this.paginator.take() else {
                return Poll::Ready(None);
            };
            if paginator.is_done() {
                return Poll::Ready(None);
            }
            this.pending = Some(Box::pin(async move {
                let result = paginator.next_page().await;
                (paginator, result)
            }));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let upper = match &self.paginator {
            Some(p) if p.is_done() => Some(self.buffer.len()),
            _ => None,
        };
        (self.buffer.len(), upper)
    }
}
