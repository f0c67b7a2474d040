//! Counters for `/metrics` (Prometheus text format).

use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Monotonic counters; gauges (connections per channel) are read from the registry.
#[derive(Debug, Default)]
pub struct Metrics {
    pub connections_opened: AtomicU64,
    pub connections_open: AtomicU64,
    pub events_published: AtomicU64,
    pub replays: AtomicU64,
    pub auth_failures: AtomicU64,
    pub rejected_frames: AtomicU64,
    /// Chits read from printer ports and applied (orders made, items added or voided,
    /// or kept as printed).
    pub chits: AtomicU64,
    /// Commits of changes made through the API; with `mutations` it gives how many
    /// changes share a commit under load (group commit).
    pub commits: AtomicU64,
    pub mutations: AtomicU64,
    /// Event frames written to sockets by the thread handing them out — the one that
    /// committed them, or that received another hub's notice — without waking the
    /// connection's writer task.
    pub frames_written_directly: AtomicU64,
    /// Events of other hubs of a cluster, as their NATS notices brought them.
    pub cluster_received: AtomicU64,
    /// Events of other hubs this hub read from the store because no notice brought
    /// them (NATS down or a notice lost).
    pub cluster_swept: AtomicU64,
    /// Whether this hub is one of several (it joined through NATS), and whether it is
    /// connected to the NATS server now.
    pub cluster_joined: AtomicBool,
    pub cluster_nats_connected: AtomicBool,
}

impl Metrics {
    /// Renders the counters and `subscriptions` gauges in Prometheus text format. With
    /// `tenant_labels` the gauges are per location and channel; without, per kind of
    /// channel (`kds`, `location`, `order`, `table`), naming no restaurant, order or
    /// table.
    pub fn render(&self, subscriptions: &[(String, String, usize)], tenant_labels: bool) -> String {
        let mut out = String::new();
        let counters = [
            (
                "rail_connections_opened_total",
                "WebSocket connections accepted",
                &self.connections_opened,
            ),
            (
                "rail_events_published_total",
                "Events appended to channel logs",
                &self.events_published,
            ),
            (
                "rail_replays_total",
                "Subscriptions started from a cursor (recovered or reset)",
                &self.replays,
            ),
            (
                "rail_auth_failures_total",
                "Refused tokens",
                &self.auth_failures,
            ),
            (
                "rail_rejected_frames_total",
                "Client frames refused (malformed, oversized, rate limited)",
                &self.rejected_frames,
            ),
            (
                "rail_chits_total",
                "Chits received on printer ports and applied",
                &self.chits,
            ),
            (
                "rail_mutations_total",
                "Changes committed through the API and the screens' actions",
                &self.mutations,
            ),
            (
                "rail_commits_total",
                "Database commits of those changes (several changes share one under load)",
                &self.commits,
            ),
            (
                "rail_frames_written_directly_total",
                "Event frames written to idle sockets by the thread handing them out, no writer task woken",
                &self.frames_written_directly,
            ),
            (
                "rail_cluster_events_received_total",
                "Other hubs' events brought by their NATS notices",
                &self.cluster_received,
            ),
            (
                "rail_cluster_events_swept_total",
                "Other hubs' events read from the store because no notice brought them",
                &self.cluster_swept,
            ),
        ];
        for (name, help, counter) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP rail_connections_open Open WebSocket connections\n# TYPE rail_connections_open gauge\nrail_connections_open {}",
            self.connections_open.load(Ordering::Relaxed)
        );
        if self.cluster_joined.load(Ordering::Relaxed) {
            let _ = writeln!(
                out,
                "# HELP rail_cluster_nats_connected 1 while this hub is connected to its cluster's NATS server\n# TYPE rail_cluster_nats_connected gauge\nrail_cluster_nats_connected {}",
                u8::from(self.cluster_nats_connected.load(Ordering::Relaxed))
            );
        }
        let _ = writeln!(
            out,
            "# HELP rail_subscriptions Subscribers per channel\n# TYPE rail_subscriptions gauge"
        );
        if tenant_labels {
            for (location, channel, count) in subscriptions {
                let _ = writeln!(
                    out,
                    "rail_subscriptions{{location=\"{location}\",channel=\"{channel}\"}} {count}"
                );
            }
        } else {
            let mut per_kind: std::collections::BTreeMap<&str, usize> = Default::default();
            for (_, channel, count) in subscriptions {
                let kind = channel.split_once(':').map_or(channel.as_str(), |(k, _)| k);
                *per_kind.entry(kind).or_default() += count;
            }
            for (kind, count) in per_kind {
                let _ = writeln!(out, "rail_subscriptions{{kind=\"{kind}\"}} {count}");
            }
        }
        out
    }
}
