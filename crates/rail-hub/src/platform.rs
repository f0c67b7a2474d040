//! Publishing from the restaurant's platform: a `server` token (one per back end)
//! posts items, tables, sync and notifications (`POST /api/events`), each checked
//! against its declared schema, and the hub writes it to its channels' logs in one
//! transaction — durable, sequenced and replayable like a kitchen event — honouring
//! `Idempotency-Key` so a retried publish publishes once.

use rail_protocol::platform::{ChannelSeq, PublishedEvent};
use rail_protocol::{Event, PlatformEvent};

use crate::auth::Claims;
use crate::hub::{Hub, HubError};
use crate::store::{IdempotencyKey, Mutation, StoreError};

impl Hub {
    /// Publishes one platform event to the channels its ids name.
    ///
    /// # Errors
    /// `Forbidden` for tokens that may not publish; `Invalid` for ids that cannot name
    /// a channel or texts too long; store errors otherwise.
    pub fn publish_platform(
        &self,
        who: &Claims,
        idem: Option<&IdempotencyKey>,
        event: &PlatformEvent,
    ) -> Result<Mutation, HubError> {
        if !who.may_publish_platform_events() {
            return Err(HubError::Forbidden(format!(
                "a {} token may not publish platform events; use a server token",
                who.role.as_str()
            )));
        }
        if let Some(problem) = event.problem() {
            return Err(StoreError::Invalid(problem).into());
        }
        let channels = event.channels(&who.loc).map_err(StoreError::Invalid)?;
        let wire: Event = event.clone().into();
        self.mutate(&who.loc, idem, |tx, now| {
            let published = channels
                .iter()
                .map(|channel| {
                    crate::store::append_event(tx, &who.loc, &channel.to_string(), &wire, now)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let answer = PublishedEvent {
                kind: wire.name().to_owned(),
                channels: published
                    .iter()
                    .map(|p| ChannelSeq {
                        channel: p.channel.clone(),
                        seq: p.seq,
                    })
                    .collect(),
            };
            Ok((201, serde_json::to_string(&answer)?, published))
        })
    }
}
