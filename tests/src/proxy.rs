//! A TCP proxy the test controls, standing between a screen and the hub: it can refuse
//! connections (the Wi-Fi is down), cut the open ones, or cut a connection after a given
//! number of bytes from the hub (mid-replay).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Default)]
struct Control {
    blocked: AtomicBool,
    /// Cut the next connections after this many hub → screen bytes (0: never).
    cut_after_bytes: AtomicU64,
    /// How many more connections to cut that way.
    cuts_left: AtomicU32,
    /// Cuts made by `cut_after_bytes`.
    cuts_done: AtomicU32,
}

/// A running proxy; dropping it stops accepting.
pub struct Proxy {
    pub url: String,
    control: Arc<Control>,
    cut_all: watch::Sender<u64>,
    stall_all: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Proxies a free loopback port to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let control = Arc::new(Control::default());
        let (cut_all, cuts) = watch::channel(0u64);
        let (stall_all, stalls) = watch::channel(0u64);
        let task = tokio::spawn({
            let control = control.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    if control.blocked.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    // A connection only uses up a cut when it reaches the byte count:
                    // one that carries less (a screen's reachability probe) is not cut.
                    let limit = if control.cuts_left.load(Ordering::SeqCst) > 0 {
                        control.cut_after_bytes.load(Ordering::SeqCst)
                    } else {
                        0
                    };
                    tokio::spawn(pipe(
                        client,
                        upstream.clone(),
                        limit,
                        control.clone(),
                        cuts.clone(),
                        stalls.clone(),
                    ));
                }
            }
        });
        Ok(Proxy {
            url,
            control,
            cut_all,
            stall_all,
            task,
        })
    }

    /// Refuses new connections (and, with `cut`, drops the open ones).
    pub fn block(&self) {
        self.control.blocked.store(true, Ordering::SeqCst);
        self.cut();
    }

    pub fn unblock(&self) {
        self.control.blocked.store(false, Ordering::SeqCst);
    }

    /// Drops every open connection.
    pub fn cut(&self) {
        self.cut_all.send_modify(|generation| *generation += 1);
    }

    /// Freezes every open connection: nothing passes, but nothing closes either — a
    /// link that died without TCP noticing. New connections work.
    pub fn stall(&self) {
        self.stall_all.send_modify(|generation| *generation += 1);
    }

    /// Cuts each of the next `connections` after `bytes` bytes from the hub.
    pub fn cut_next_after(&self, connections: u32, bytes: u64) {
        self.control.cut_after_bytes.store(bytes, Ordering::SeqCst);
        self.control.cuts_left.store(connections, Ordering::SeqCst);
    }

    /// How many connections `cut_next_after` has cut so far.
    pub fn cuts_done(&self) -> u32 {
        self.control.cuts_done.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

async fn pipe(
    mut client: TcpStream,
    upstream: String,
    limit: u64,
    control: Arc<Control>,
    mut cuts: watch::Receiver<u64>,
    mut stalls: watch::Receiver<u64>,
) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upload = tokio::io::copy(&mut client_read, &mut server_write);
    let download = async {
        let mut forwarded: u64 = 0;
        let mut limit = limit;
        let mut buffer = vec![0u8; 4096];
        loop {
            let n = server_read.read(&mut buffer).await?;
            if n == 0 {
                return Ok::<(), std::io::Error>(());
            }
            if limit > 0 && forwarded + n as u64 >= limit {
                let claimed = control
                    .cuts_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                        left.checked_sub(1)
                    })
                    .is_ok();
                if claimed {
                    let n = (limit - forwarded) as usize;
                    client_write.write_all(&buffer[..n]).await?;
                    control.cuts_done.fetch_add(1, Ordering::SeqCst);
                    return Ok(());
                }
                // Other connections used up the cuts: this one goes on whole.
                limit = 0;
            }
            client_write.write_all(&buffer[..n]).await?;
            forwarded += n as u64;
        }
    };
    cuts.borrow_and_update();
    stalls.borrow_and_update();
    tokio::select! {
        _ = upload => {}
        _ = download => {}
        _ = cuts.changed() => {}
        // Stop forwarding but hold both sockets open until a cut.
        _ = stalls.changed() => { let _ = cuts.changed().await; }
    }
}
