//! `rail-hub`: serve, issue tokens, or run a simulated POS.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rail_hub::auth::{claims, Authority, Role};
use rail_hub::config::FileConfig;
use rail_hub::Hub;

/// mimalloc instead of glibc's allocator: a hub makes and frees many small buffers per
/// order and per socket; glibc spent about a tenth of the hub's CPU in malloc and free
/// under a burst of orders and keeps a header on every block an idle socket holds.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "rail-hub",
    version,
    about = "Rail's realtime hub for kitchen screens"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve REST and WebSocket.
    Serve {
        /// Configuration file (TOML); see packaging/hub.toml.
        #[arg(long, env = "RAIL_HUB_CONFIG")]
        config: Option<PathBuf>,
        /// SQLite database file, created if missing [default: rail-hub.sqlite3]. Its
        /// directory also holds the hub's own TLS files and first-start setup code.
        #[arg(long, env = "RAIL_HUB_DB")]
        db: Option<PathBuf>,
        /// A PostgreSQL database instead of the SQLite file
        /// (`postgres://user@host:port/database`); several hubs may share one. `--db`
        /// then only places the hub's own files. For TLS add
        /// `?sslmode=verify-full&sslrootcert=<CA file>` (the server's certificate and
        /// name are always checked; without `sslrootcert`, against the system's CAs),
        /// and `&sslcert=<file>&sslkey=<file>` for a server that asks for a client
        /// certificate.
        #[arg(long, env = "RAIL_HUB_STORE")]
        store: Option<String>,
        /// NATS server (`nats://host:4222`, `tls://host:4222` for TLS; the servers of a
        /// NATS cluster with commas between) through which hubs sharing a PostgreSQL
        /// store hand each other's events to their screens.
        #[arg(long, env = "RAIL_HUB_NATS")]
        nats: Option<String>,
        /// CA certificates (PEM) that signed the NATS server's certificate: the
        /// connection is then TLS, checked against these only (`tls://` addresses are
        /// checked against the system's CAs without it).
        #[arg(long, env = "RAIL_HUB_NATS_CA")]
        nats_ca: Option<PathBuf>,
        /// Certificate (PEM, with any intermediates) this hub shows a NATS server that
        /// asks its clients for one; with --nats-key.
        #[arg(long, env = "RAIL_HUB_NATS_CERT")]
        nats_cert: Option<PathBuf>,
        /// Private key (PEM) of --nats-cert.
        #[arg(long, env = "RAIL_HUB_NATS_KEY")]
        nats_key: Option<PathBuf>,
        /// Address to listen on; port 0 picks a free one [default: 127.0.0.1:7070].
        #[arg(long, env = "RAIL_HUB_LISTEN")]
        listen: Option<SocketAddr>,
        /// Token-signing secret; by default one is kept in the database.
        #[arg(long, env = "RAIL_HUB_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// Heartbeat interval in seconds [default: 25].
        #[arg(long)]
        heartbeat_secs: Option<u64>,
        /// Serve plain HTTP and WS instead of HTTPS and WSS. For development and tests
        /// only: tokens then cross the network in clear text.
        #[arg(long, env = "RAIL_HUB_INSECURE_HTTP", value_parser = clap::builder::BoolishValueParser::new())]
        insecure_http: bool,
        /// Where to announce the hub with mDNS: all, loopback or off [default: the
        /// file's `mdns`, else all].
        #[arg(long, env = "RAIL_HUB_MDNS")]
        mdns: Option<rail_protocol::discovery::MdnsScope>,
    },
    /// Set the password of a manager's account for the admin page (`/admin`). The
    /// password is read from standard input (or RAIL_ADMIN_PASSWORD).
    Admin {
        #[arg(long, env = "RAIL_HUB_DB", default_value = "rail-hub.sqlite3")]
        db: PathBuf,
        /// A PostgreSQL database instead of the SQLite file.
        #[arg(long, env = "RAIL_HUB_STORE")]
        store: Option<String>,
        /// Location (restaurant) id the account manages.
        #[arg(long)]
        location: String,
        #[arg(long, default_value = "admin")]
        username: String,
    },
    /// Print the manual page (roff) for packaging.
    #[command(hide = true)]
    Manpage,
    /// Print a signed token for a device.
    Token {
        #[arg(long, env = "RAIL_HUB_DB", default_value = "rail-hub.sqlite3")]
        db: PathBuf,
        /// A PostgreSQL database instead of the SQLite file.
        #[arg(long, env = "RAIL_HUB_STORE")]
        store: Option<String>,
        #[arg(long, env = "RAIL_HUB_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// Location (restaurant) id.
        #[arg(long)]
        location: String,
        #[arg(long)]
        role: Role,
        /// Station the device may work (repeat; `*` for all).
        #[arg(long = "station")]
        stations: Vec<String>,
        /// Device id, shown in bump records.
        #[arg(long, default_value = "device")]
        device: String,
        /// For a `staff` token: the employee whose channel (`employee:<id>`) it follows.
        #[arg(long)]
        employee: Option<String>,
        /// Validity in hours.
        #[arg(long, default_value_t = 24 * 365)]
        ttl_hours: i64,
    },
    /// Printer ports: see how a captured chit reads, or capture what a POS prints.
    Printer {
        #[command(subcommand)]
        command: PrinterCommand,
    },
    /// Post random orders to a hub, like a busy POS.
    Demo {
        #[arg(long, default_value = "http://127.0.0.1:7070")]
        hub: String,
        /// A `pos` token for the hub.
        #[arg(long, env = "RAIL_POS_TOKEN", hide_env_values = true)]
        token: String,
        /// Milliseconds between orders.
        #[arg(long, default_value_t = 4000)]
        every_ms: u64,
        /// Stop after this many orders.
        #[arg(long)]
        count: Option<u32>,
        /// A printer port (`host:port`): about one new order in four is printed there
        /// as a kitchen chit instead of posted.
        #[arg(long)]
        printer: Option<String>,
        /// The hub's CA certificate (`tls/ca.pem` beside its database), for an HTTPS
        /// hub with its own CA.
        #[arg(long)]
        ca: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PrinterCommand {
    /// Show how the chits in a captured file would be read.
    Test {
        /// Raw bytes as the POS sent them (from `printer capture`).
        file: PathBuf,
        /// Read with this printer's layout and code page from the configuration.
        #[arg(long, env = "RAIL_HUB_CONFIG")]
        config: Option<PathBuf>,
        /// Which `[[printers]]` entry (by name); the first when omitted.
        #[arg(long)]
        printer: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Listen as a printer and save every connection's bytes to a file.
    Capture {
        /// Address to listen on, e.g. 0.0.0.0:9100.
        #[arg(long)]
        listen: SocketAddr,
        /// Directory for the captured files (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // The binary links two TLS crypto providers (the NATS client brings the second),
    // so a library asking rustls for the process default would find none chosen.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match Cli::parse().command {
        Command::Serve {
            config,
            db,
            store,
            nats,
            nats_ca,
            nats_cert,
            nats_key,
            listen,
            secret,
            heartbeat_secs,
            insecure_http,
            mdns,
        } => {
            let file = match &config {
                Some(path) => FileConfig::load(path)?,
                None => FileConfig::default(),
            };
            let mut hub_config = file.hub_config()?;
            if let Some(secs) = heartbeat_secs {
                anyhow::ensure!(secs > 0, "--heartbeat-secs must be greater than 0");
                hub_config.heartbeat = Duration::from_secs(secs);
            }
            let db = db
                .or(file.db)
                .unwrap_or_else(|| PathBuf::from("rail-hub.sqlite3"));
            let listen = listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 7070)));
            let tls = if insecure_http || file.tls.insecure_http {
                tracing::warn!("serving plain HTTP: tokens cross the network in clear text");
                None
            } else {
                Some(hub_tls(&file.tls, &db)?)
            };
            hub_config.tls = tls.as_ref().map(|tls| rail_hub::config::TlsIdentity {
                ca_pem: tls.ca_pem.clone(),
                fingerprint: tls.fingerprint.clone(),
            });
            let secret = secret.or(file.secret);
            let hub = match store.or(file.store) {
                Some(url) => Hub::open_postgres(&url, hub_config, secret)
                    .with_context(|| format!("opening the PostgreSQL store {}", redacted(&url)))?,
                None => Hub::open(&db, hub_config, secret)
                    .with_context(|| format!("opening {}", db.display()))?,
            };
            if let Some(url) = nats.or(file.nats) {
                let tls = rail_hub::cluster::NatsTls {
                    ca_file: nats_ca.or(file.nats_ca),
                    cert_file: nats_cert.or(file.nats_cert),
                    key_file: nats_key.or(file.nats_key),
                };
                rail_hub::cluster::join(hub.clone(), &url, &tls).await?;
            }
            // Every screen is a socket: lift the soft descriptor limit (often 1024) to
            // the hard one so a big kitchen group is not refused at the 1000th screen.
            match rlimit::increase_nofile_limit(u64::MAX) {
                Ok(limit) => tracing::debug!(limit, "file descriptor limit"),
                Err(error) => tracing::warn!(%error, "could not raise the file descriptor limit"),
            }
            let setup_file = db
                .parent()
                .map(|dir| dir.join("setup-code"))
                .unwrap_or_else(|| PathBuf::from("setup-code"));
            if let Some(code) = hub.open_first_setup(Some(&setup_file))? {
                println!(
                    "rail-hub first start: open /admin and set the manager's password with setup code {code} (also in {})",
                    setup_file.display()
                );
            }
            let listener =
                rail_hub::server::bind(listen).with_context(|| format!("binding {listen}"))?;
            let address = listener.local_addr()?;
            tracing::info!(%address, db = %db.display(), "rail-hub serving");
            // Printer ports stop when this sender is dropped, after the hub's own
            // shutdown.
            let (_printers_stop, printers_stopped) = tokio::sync::watch::channel(false);
            let printers = hub.config.printers.clone();
            let ports = rail_hub::printer::start(&hub, &printers, &printers_stopped)
                .await
                .map_err(anyhow::Error::msg)?;
            for port in &ports {
                println!(
                    "rail-hub printer {} listening on {}",
                    port.name, port.address
                );
            }
            // Tests and scripts read this line to find the port; the printer ports'
            // lines come before it, and nothing is printed after it.
            // Screens being set up find the hub by this; without it they type its address.
            let _announcement = match rail_hub::discovery::announce(
                address.port(),
                tls.as_ref().map(|tls| tls.fingerprint.as_str()),
                mdns.or(file.mdns).unwrap_or_default(),
            ) {
                Ok(announcement) => announcement,
                Err(error) => {
                    tracing::warn!(%error, "screens will need the hub's address typed in");
                    None
                }
            };
            match tls {
                Some(tls) => {
                    println!("rail-hub certificate fingerprint {}", tls.fingerprint);
                    println!("rail-hub listening on https://{address}");
                    rail_hub::server::run_tls(listener, tls.server_config, hub, shutdown_signal())
                        .await?;
                }
                None => {
                    println!("rail-hub listening on http://{address}");
                    rail_hub::run(listener, hub, shutdown_signal()).await?;
                }
            }
        }
        Command::Token {
            db,
            store,
            secret,
            location,
            role,
            stations,
            device,
            employee,
            ttl_hours,
        } => {
            let secret = match secret {
                Some(secret) => secret,
                None => open_store(&db, store.as_deref())?
                    .signing_secret()
                    .context("reading the signing secret")?,
            };
            let mut claims = claims(&location, role, &stations, &device, ttl_hours * 3600);
            claims.employee = employee;
            let token = Authority::new(&secret).issue(&claims)?;
            // A till or script holding this token is a device too: the admin page lists
            // it, and removing it there refuses the token.
            let registered = open_store(&db, store.as_deref()).and_then(|store| {
                Ok(store.register_device(
                    &location,
                    &rail_protocol::Device {
                        id: device.clone(),
                        name: device.clone(),
                        role,
                        stations: stations.clone(),
                        paired_at_ms: rail_hub::clock::now_ms(),
                        last_seen_ms: None,
                        address: None,
                        app_version: None,
                        connections: 0,
                        revoked_at_ms: None,
                        profile: None,
                        channels: Vec::new(),
                    },
                )?)
            });
            if let Err(error) = registered {
                eprintln!(
                    "rail-hub: the token works, but {device:?} is not in the device list: {error}"
                );
            }
            println!("{token}");
        }
        Command::Manpage => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
        }
        Command::Admin {
            db,
            store,
            location,
            username,
        } => {
            let password = match std::env::var("RAIL_ADMIN_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    eprintln!(
                        "password for {username} at {location} (at least {} characters):",
                        rail_hub::admin::MIN_PASSWORD
                    );
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let hub = Hub::with_store(
                open_store(&db, store.as_deref())?,
                rail_hub::HubConfig::default(),
                None,
            )?;
            hub.set_admin_password(&location, &username, &password)?;
            println!("password set for {username} at {location}; sign in at /admin");
        }
        Command::Printer { command } => match command {
            PrinterCommand::Test {
                file,
                config,
                printer,
                json,
            } => {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let file_config = match &config {
                    Some(path) => FileConfig::load(path)?,
                    None => FileConfig::default(),
                };
                let printers = file_config.hub_config()?.printers;
                let chosen = match &printer {
                    Some(name) => {
                        Some(printers.iter().find(|p| &p.name == name).with_context(|| {
                            format!("no printer named {name:?} in the configuration")
                        })?)
                    }
                    None => printers.first(),
                };
                print!("{}", rail_hub::printer::test::report(&bytes, chosen, json));
            }
            PrinterCommand::Capture { listen, out } => {
                rail_hub::printer::capture::run(listen, &out).await?;
            }
        },
        Command::Demo {
            hub,
            token,
            every_ms,
            count,
            printer,
            ca,
        } => {
            let mut client = reqwest::Client::builder();
            if let Some(ca) = ca {
                let pem =
                    std::fs::read(&ca).with_context(|| format!("reading {}", ca.display()))?;
                let certificate = reqwest::Certificate::from_pem(&pem)
                    .with_context(|| format!("{} is not a PEM certificate", ca.display()))?;
                client = client.tls_certs_only([certificate]);
            }
            let every = Duration::from_millis(every_ms);
            rail_hub::demo::run_pos(
                client.build()?,
                &hub,
                &token,
                every,
                count,
                printer.as_deref(),
            )
            .await;
        }
    }
    Ok(())
}

/// The SQLite file `db`, or the PostgreSQL database at `url` when one is given.
fn open_store(db: &std::path::Path, url: Option<&str>) -> anyhow::Result<rail_hub::store::Store> {
    use rail_hub::store::Store;
    Ok(match url {
        Some(url) => Store::open_postgres(url)
            .with_context(|| format!("opening the PostgreSQL store {}", redacted(url)))?,
        None => Store::open(db).with_context(|| format!("opening {}", db.display()))?,
    })
}

/// A database URL without its password, for messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The hub's TLS: a configured certificate, or its own CA (made on first start).
fn hub_tls(
    file: &rail_hub::config::TlsFile,
    db: &std::path::Path,
) -> anyhow::Result<rail_hub::tls::HubTls> {
    use rail_hub::tls::{default_dir, local_names, HubTls};
    Ok(match (&file.cert, &file.key) {
        (Some(cert), Some(key)) => HubTls::given(cert, key)?,
        (None, None) => {
            let dir = file.dir.clone().unwrap_or_else(|| default_dir(db));
            HubTls::own(&dir, &local_names(&file.names))?
        }
        _ => anyhow::bail!("[tls] needs both cert and key, or neither (the hub's own CA)"),
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
