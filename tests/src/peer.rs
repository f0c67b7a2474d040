//! The Socket.IO v4 peer (`tests/peers/socketio/server.mjs`) as a child process, for
//! the benchmarks that measure Rail beside it. Its npm packages are installed by
//! `cargo xtask bench-peer`.

use std::path::PathBuf;
use std::process::{Child, Command};

use anyhow::{bail, Context};

/// A running peer; killed when dropped.
pub struct SocketIoPeer {
    child: Child,
    pub url: String,
    pub token: String,
}

impl SocketIoPeer {
    /// Where the peer's `server.mjs` and `node_modules` are.
    pub fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/socketio")
    }

    /// Starts the peer on a free loopback port.
    ///
    /// # Errors
    /// When node or the peer's packages are missing, or it does not start.
    pub fn start() -> anyhow::Result<Self> {
        let dir = Self::dir();
        if !dir.join("node_modules/socket.io").is_dir() {
            bail!(
                "the Socket.IO peer's packages are not installed: npm ci --prefix {}",
                dir.display()
            );
        }
        let token = "peer-bench-token".to_owned();
        let mut command = Command::new("node");
        command
            .arg("server.mjs")
            .current_dir(&dir)
            .env("PEER_TOKEN", &token)
            .env("PORT", "0");
        let (child, url) = crate::spawn_announced(&mut command, "peer listening on ")
            .context("starting the Socket.IO peer (is Node.js installed?)")?;
        Ok(SocketIoPeer { url, child, token })
    }

    /// The peer's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SocketIoPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
