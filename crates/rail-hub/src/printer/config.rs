//! A printer port's configuration: the `[[printers]]` tables of the hub's file, checked
//! and compiled once at start-up.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rail_printer::codepage::CodePage;
use rail_printer::layout::{Layout, LayoutRules};

/// One `[[printers]]` table as written.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterFile {
    /// A short id: logs and the device name on the orders it makes (`printer:<name>`).
    pub name: String,
    /// Where the POS prints to, e.g. `0.0.0.0:9100`.
    pub listen: SocketAddr,
    /// The restaurant (location id) its orders belong to.
    pub location: String,
    /// The station its items go to (and, with `route = true`, the one for items the
    /// routing rules do not place, and for chits that cannot be read).
    pub station: String,
    /// Route each item line by the hub's routing rules instead.
    #[serde(default)]
    pub route: bool,
    /// The code page the POS prints in until it selects another (`ESC t`).
    #[serde(default)]
    pub code_page: CodePage,
    /// A real printer (`host:port`) that gets every byte as well, for running paper
    /// and screens side by side.
    pub forward: Option<String>,
    /// Largest chit accepted, in bytes (1 MiB); a bigger one ends the connection.
    pub max_chit_bytes: Option<usize>,
    /// A connection silent this long is closed (30 s).
    pub idle_timeout_secs: Option<u64>,
    /// Connections open at once on this port (16); more are refused.
    pub max_connections: Option<usize>,
    /// Rules that replace the default layout's.
    #[serde(default)]
    pub layout: LayoutRules,
}

/// A printer port ready to serve.
#[derive(Debug, Clone)]
pub struct Printer {
    pub name: String,
    pub listen: SocketAddr,
    pub location: String,
    pub station: String,
    pub route: bool,
    pub code_page: CodePage,
    pub forward: Option<String>,
    pub max_chit_bytes: usize,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub layout: Arc<Layout>,
}

impl PrinterFile {
    /// A port taking chits for `station` at `location`, everything else at its default.
    pub fn new(name: &str, listen: SocketAddr, location: &str, station: &str) -> Self {
        PrinterFile {
            name: name.to_owned(),
            listen,
            location: location.to_owned(),
            station: station.to_owned(),
            route: false,
            code_page: CodePage::default(),
            forward: None,
            max_chit_bytes: None,
            idle_timeout_secs: None,
            max_connections: None,
            layout: LayoutRules::default(),
        }
    }

    /// Checks the values and compiles the layout.
    ///
    /// # Errors
    /// A message naming the printer and what is wrong with it.
    pub fn compile(&self) -> Result<Printer, String> {
        let name = &self.name;
        for (field, value) in [
            ("name", name),
            ("location", &self.location),
            ("station", &self.station),
        ] {
            if !rail_protocol::channel::is_valid_id(value) {
                return Err(format!(
                    "printer {name:?}: {field} {value:?} must be 1-64 letters, digits, '.', '_' or '-'"
                ));
            }
        }
        let positive = |field: &str, value: Option<u64>, default: u64| match value {
            Some(0) => Err(format!("printer {name:?}: {field} must be greater than 0")),
            Some(value) => Ok(value),
            None => Ok(default),
        };
        let layout =
            Layout::new(&self.layout).map_err(|error| format!("printer {name:?}: {error}"))?;
        Ok(Printer {
            name: name.clone(),
            listen: self.listen,
            location: self.location.clone(),
            station: self.station.clone(),
            route: self.route,
            code_page: self.code_page,
            forward: self.forward.clone(),
            max_chit_bytes: usize::try_from(positive(
                "max_chit_bytes",
                self.max_chit_bytes.map(|v| v as u64),
                1024 * 1024,
            )?)
            .unwrap_or(usize::MAX),
            idle_timeout: Duration::from_secs(positive(
                "idle_timeout_secs",
                self.idle_timeout_secs,
                30,
            )?),
            max_connections: usize::try_from(positive(
                "max_connections",
                self.max_connections.map(|v| v as u64),
                16,
            )?)
            .unwrap_or(usize::MAX),
            layout: Arc::new(layout),
        })
    }
}
