//! The POS side of the printer door in tests: a hub with a grill printer port, and
//! python-escpos (from PyPI, in `target/py`, made by `cargo xtask setup`) printing the
//! scenarios of `tests/printer/print_chits.py` to it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{HubOptions, HubProcess};

/// A hub whose printer port `grill` (station `grill`, location `demo`) takes chits;
/// `extra` adds lines to its `[[printers]]` table.
///
/// # Panics
/// When the hub cannot start.
pub fn hub_with_printer(dir: &Path, extra: &str) -> HubProcess {
    let config = dir.join("hub.toml");
    std::fs::write(
        &config,
        format!(
            "[[printers]]\nname = \"grill\"\nlisten = \"127.0.0.1:0\"\nlocation = \"demo\"\n\
             station = \"grill\"\n{extra}"
        ),
    )
    .expect("config");
    HubProcess::start_with(HubOptions {
        config: Some(config),
        ..HubOptions::new(dir.join("hub.sqlite3"))
    })
    .expect("hub")
}

fn python() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/py/bin/python");
    assert!(
        path.exists(),
        "{} is missing: `cargo xtask setup` makes it (python-escpos)",
        path.display()
    );
    path
}

/// Prints one scenario of `tests/printer/print_chits.py` to `address` (`host:port`).
///
/// # Panics
/// When the script fails (its error output is in the message).
pub fn print_chits(address: &str, scenario: &str) {
    let (host, port) = address.rsplit_once(':').expect("host:port");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("printer/print_chits.py");
    let output = Command::new(python())
        .arg(script)
        .args([host, port, scenario])
        .output()
        .expect("python");
    assert!(
        output.status.success(),
        "print_chits.py {scenario} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
