//! Several hubs sharing one throwaway PostgreSQL server and one NATS server, as a
//! restaurant group would run them: for the cluster test and the cluster chaos run.

use rail_hub::testing::{TempNats, TempPostgres};

use crate::{HubOptions, HubProcess};

/// A store, a NATS server and hubs sharing both.
pub struct Cluster {
    pub hubs: Vec<HubProcess>,
    pub nats: TempNats,
    pub store_url: String,
    pub dir: tempfile::TempDir,
    _postgres: TempPostgres,
}

impl Cluster {
    pub fn start(hubs: usize) -> Self {
        let postgres = TempPostgres::start().expect("throwaway PostgreSQL");
        let store_url = postgres.new_database().expect("database");
        let nats = TempNats::start().expect("throwaway NATS");
        let dir = tempfile::tempdir().expect("tempdir");
        let hubs = (0..hubs)
            .map(|n| {
                HubProcess::start_with(HubOptions {
                    store: Some(store_url.clone()),
                    nats: Some(nats.url()),
                    ..HubOptions::new(dir.path().join(format!("hub-{n}.sqlite3")))
                })
                .expect("hub")
            })
            .collect();
        Cluster {
            hubs,
            nats,
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
