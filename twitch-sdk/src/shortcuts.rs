//! Hand-written calls that answer a common question in one step where the generated methods
//! would take a few: today, a channel's follower count.
//!
//! Each one builds on a generated request builder, so the checks, token handling and stand-in
//! support are the same as for the method it wraps.

use crate::api::UserApi;
use crate::error::{Error, Result};

impl UserApi {
    /// How many users follow a channel: the `total` of Get Channel Followers, asked with a page of
    /// one follower.
    ///
    /// Any user token gets the count; the `moderator:read:followers` scope (and being the
    /// broadcaster or one of their moderators) is needed only to list the followers, with
    /// [`get_channel_followers`](Self::get_channel_followers). `broadcaster_id` may be the token
    /// user's id ([`user_id`](Self::user_id)) or any other channel's.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # #[tokio::main]
    /// # async fn main() -> twitch_sdk::Result<()> {
    /// # let mock = twitch_sdk::mock::MockServer::start().await;
    /// # let client = twitch_sdk::Client::builder().helix_url(mock.helix_url()).oauth_url(mock.oauth_url()).build()?;
    /// # let (access, _) = mock.issue_user_token("1234", "viewer", &[], Duration::from_secs(3600));
    /// # let user = client.user(twitch_sdk::UserToken::new(mock.client_id(), access)).await?;
    /// // A token without `moderator:read:followers` still gets the count.
    /// let count = user.get_channel_follower_count("141981764").await?;
    /// # assert_eq!(count, 1); // the stand-in serves the one follower of Twitch's example
    /// println!("{count} followers");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// What [`get_channel_followers`](Self::get_channel_followers) returns, and
    /// [`Error::Decode`] when Twitch's answer carries no `total`.
    pub async fn get_channel_follower_count(
        &self,
        broadcaster_id: impl Into<String>,
    ) -> Result<u64> {
        let mut page = self
            .get_channel_followers()
            .broadcaster_id(broadcaster_id)
            .limit(1)
            .paginate();
        page.next_page().await?;
        page.total().ok_or_else(|| {
            Error::decode(
                "get-channel-followers",
                "total",
                "Twitch sent no follower count",
                String::new(),
            )
        })
    }
}
