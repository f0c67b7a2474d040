//! Several hubs sharing one throwaway PostgreSQL server and one NATS server (or the
//! servers of a NATS cluster), as a restaurant group would run them: for the cluster
//! test and the cluster chaos run.

use std::path::PathBuf;

use rail_hub::testing::{TempNats, TempPostgres};

use crate::{HubOptions, HubProcess};

/// A store, a NATS server and hubs sharing both.
pub struct Cluster {
    pub hubs: Vec<HubProcess>,
    pub nats: TempNats,
    /// The other servers of a NATS cluster, when the hubs have one (each hub is given
    /// every server, starting with a different one).
    pub more_nats: Vec<TempNats>,
    pub store_url: String,
    pub dir: tempfile::TempDir,
    _postgres: TempPostgres,
}

impl Cluster {
    pub fn start(hubs: usize) -> Self {
        let nats = TempNats::start().expect("throwaway NATS");
        let dir = tempfile::tempdir().expect("tempdir");
        Self::start_on(vec![nats], dir, None, hubs)
    }

    /// As [`Cluster::start`], every hub given the configuration file `toml`.
    pub fn start_configured(hubs: usize, toml: &str) -> Self {
        let nats = TempNats::start().expect("throwaway NATS");
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("hub.toml");
        std::fs::write(&config, toml).expect("configuration file");
        Self::start_on(vec![nats], dir, Some(config), hubs)
    }

    /// As [`Cluster::start`], with `servers` NATS servers routed to each other as one
    /// NATS cluster; hub `n` is given every server, starting with server `n`.
    pub fn start_with_nats_cluster(hubs: usize, servers: usize) -> Self {
        let nats = TempNats::start_cluster(servers).expect("throwaway NATS cluster");
        let dir = tempfile::tempdir().expect("tempdir");
        Self::start_on(nats, dir, None, hubs)
    }

    /// As [`Cluster::start`], with a NATS server that takes TLS only (its certificate
    /// from a CA of its own) from clients showing a certificate from that CA; every
    /// hub is given that CA and such a certificate (`nats_ca`, `nats_cert` and
    /// `nats_key` in its configuration file). Answers the CA file's path too.
    pub fn start_with_tls_nats(hubs: usize) -> (Self, PathBuf) {
        let (nats, certificates) = TempNats::start_tls().expect("throwaway NATS with TLS");
        let dir = tempfile::tempdir().expect("tempdir");
        let file = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("TLS file");
            path.display().to_string()
        };
        let ca_file = file("nats-ca.pem", &certificates.ca);
        let toml = format!(
            "nats_ca = {:?}\nnats_cert = {:?}\nnats_key = {:?}\n",
            ca_file,
            file("hub.crt", &certificates.client_cert),
            file("hub.key", &certificates.client_key),
        );
        let config = dir.path().join("hub.toml");
        std::fs::write(&config, toml).expect("configuration file");
        (
            Self::start_on(vec![nats], dir, Some(config), hubs),
            PathBuf::from(ca_file),
        )
    }

    fn start_on(
        mut nats: Vec<TempNats>,
        dir: tempfile::TempDir,
        config: Option<PathBuf>,
        hubs: usize,
    ) -> Self {
        let postgres = TempPostgres::start().expect("throwaway PostgreSQL");
        let store_url = postgres.new_database().expect("database");
        let hubs = (0..hubs)
            .map(|n| {
                let urls: Vec<String> = (0..nats.len())
                    .map(|k| nats[(n + k) % nats.len()].url())
                    .collect();
                HubProcess::start_with(HubOptions {
                    store: Some(store_url.clone()),
                    nats: Some(urls.join(",")),
                    config: config.clone(),
                    ..HubOptions::new(dir.path().join(format!("hub-{n}.sqlite3")))
                })
                .expect("hub")
            })
            .collect();
        let first = nats.remove(0);
        Cluster {
            hubs,
            nats: first,
            more_nats: nats,
            store_url,
            dir,
            _postgres: postgres,
        }
    }

    /// The first hub still running, for reading the store and REST calls.
    pub fn live_hub(&mut self) -> &HubProcess {
        self.hubs
            .iter_mut()
            .find_map(|hub| hub.is_running().then_some(&*hub))
            .expect("a hub running")
    }

    /// Every hub's URL, starting with hub `first` and going round: a screen's list.
    pub fn hub_list_from(&self, first: usize) -> String {
        let count = self.hubs.len();
        (0..count)
            .map(|n| self.hubs[(first + n) % count].url.clone())
            .collect::<Vec<_>>()
            .join(",")
    }
}
