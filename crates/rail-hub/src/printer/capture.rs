//! `rail-hub printer capture`: listens as a printer and saves each connection's bytes,
//! untouched, to a file of its own, answering status requests as the real ports do so
//! the POS prints. An installer records what a site's POS prints, then writes or
//! checks its layout with `rail-hub printer test`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rail_printer::chit::ChitReader;
use rail_printer::codepage::CodePage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Most bytes kept from one connection (a chit with logos is tens of kilobytes).
const MAX_CAPTURE_BYTES: usize = 16 * 1024 * 1024;

/// Captures until interrupted.
///
/// # Errors
/// When the directory cannot be made or the address cannot be bound.
pub async fn run(listen: SocketAddr, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    println!(
        "capturing on {}; files go to {}",
        listener.local_addr()?,
        out.display()
    );
    let mut next = 0u32;
    loop {
        let (stream, peer) = listener.accept().await?;
        next += 1;
        let stamp = crate::clock::now_ms();
        let path = out.join(format!("chit-{stamp}-{next}.bin"));
        tokio::spawn(async move {
            match capture(stream, &path).await {
                Ok(bytes) => eprintln!("{peer}: {bytes} bytes → {}", path.display()),
                Err(error) => eprintln!("{peer}: {error:#}"),
            }
        });
    }
}

async fn capture(mut stream: TcpStream, path: &PathBuf) -> anyhow::Result<usize> {
    let mut reader = ChitReader::new(CodePage::default());
    let mut kept = Vec::new();
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(60), stream.read(&mut buffer))
                .await;
        let n = match read {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => n,
            Ok(Err(error)) => return Err(error.into()),
        };
        let reply = reader.feed(&buffer[..n]).reply;
        if !reply.is_empty() {
            stream.write_all(&reply).await?;
        }
        let room = MAX_CAPTURE_BYTES.saturating_sub(kept.len());
        kept.extend_from_slice(&buffer[..n.min(room)]);
    }
    std::fs::write(path, &kept).with_context(|| format!("writing {}", path.display()))?;
    Ok(kept.len())
}
