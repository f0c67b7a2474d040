//! What this screen tells the hub it has: per channel, the sequence up to which every
//! event is committed in its cache. The hub uses the reports as proof that each ticket
//! reached a screen of its station. Reports are gathered and sent at most every
//! [`REPORT_EVERY`], so a burst of events costs one small message per channel.

use std::collections::BTreeMap;
use std::time::Duration;

use rail_protocol::ClientMessage;
use tokio::time::Instant;

/// How long applied positions may wait before they are reported.
pub const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Positions applied and not yet reported, and when they are due.
#[derive(Debug, Default)]
pub struct AppliedReports {
    latest: BTreeMap<String, u64>,
    due: Option<Instant>,
}

impl AppliedReports {
    /// `channel` is applied up to `seq`.
    pub fn note(&mut self, channel: &str, seq: u64) {
        let latest = self.latest.entry(channel.to_owned()).or_default();
        *latest = (*latest).max(seq);
        self.due
            .get_or_insert_with(|| Instant::now() + REPORT_EVERY);
    }

    /// Resolves when reports are due; never while there is nothing to report.
    pub async fn due(&self) {
        match self.due {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    }

    /// The messages to send now, one per channel; nothing is due after.
    pub fn take(&mut self) -> Vec<ClientMessage> {
        self.due = None;
        std::mem::take(&mut self.latest)
            .into_iter()
            .map(|(channel, seq)| ClientMessage::Applied { channel, seq })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reports_gather_per_channel_and_come_due_once() {
        let mut reports = AppliedReports::default();
        assert!(reports.take().is_empty());
        reports.note("kds:grill", 3);
        reports.note("kds:grill", 5);
        reports.note("kds:grill", 4);
        reports.note("kds:fry", 1);
        let started = Instant::now();
        reports.due().await;
        assert!(
            started.elapsed() >= REPORT_EVERY,
            "gathered, not sent at once"
        );
        assert_eq!(
            reports.take(),
            [
                ClientMessage::Applied {
                    channel: "kds:fry".into(),
                    seq: 1
                },
                ClientMessage::Applied {
                    channel: "kds:grill".into(),
                    seq: 5
                },
            ]
        );
        let idle = tokio::time::timeout(REPORT_EVERY * 2, reports.due()).await;
        assert!(idle.is_err(), "nothing to report, never due");
    }
}
