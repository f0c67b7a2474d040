//! The Socket.IO v4 peer (`tests/peers/socketio/server.mjs`) as a child process, for
//! the benchmarks that measure Rail beside it. Its npm packages are installed by
//! `cargo xtask bench-peer`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

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
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(&dir)
            .env("PEER_TOKEN", &token)
            .env("PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting node (is Node.js installed?)")?;
        let stdout = child.stdout.take().context("peer stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("reading the peer's address")?;
        let Some(url) = line.trim().strip_prefix("peer listening on ") else {
            let _ = child.kill();
            bail!("the Socket.IO peer did not start: {line:?}");
        };
        Ok(SocketIoPeer {
            url: url.to_owned(),
            child,
            token,
        })
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
