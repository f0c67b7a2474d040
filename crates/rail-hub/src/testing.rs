//! Throwaway servers for tests of hubs that share a store, on free loopback ports and
//! gone when dropped: PostgreSQL (a cluster made by `initdb` in a temporary directory
//! and started by `pg_ctl`; Debian's `postgresql` package keeps its programs in
//! `/usr/lib/postgresql/<version>/bin`, and as root the cluster belongs to its
//! `postgres` user, since PostgreSQL refuses to run as root) and NATS (Debian's
//! `nats-server`).

use std::path::PathBuf;
use std::process::Command;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running throwaway cluster.
#[derive(Debug)]
pub struct TempPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Whether commits wait for the disk (off for tests, on for benchmarks).
    fsync: bool,
    as_postgres_user: bool,
    databases: AtomicUsize,
    /// Whether the server takes TLS connections only.
    tls_only: bool,
    /// Whether it also asks each client for a certificate its CA signed.
    verifies_clients: bool,
}

impl TempPostgres {
    /// Makes and starts a cluster whose commits do not wait for the disk (tests only
    /// need the server to survive the hub, not the machine).
    ///
    /// # Errors
    /// When PostgreSQL's programs are missing or the server does not start; the
    /// message says which.
    pub fn start() -> Result<Self, String> {
        Self::start_with_fsync(false)
    }

    /// Makes and starts a cluster whose commits are on disk before they are answered,
    /// as in production: for benchmarks.
    ///
    /// # Errors
    /// As [`TempPostgres::start`].
    pub fn start_durable() -> Result<Self, String> {
        Self::start_with_fsync(true)
    }

    /// Makes and starts a cluster that takes TLS connections only (`hostssl`, no plain
    /// `host` entry), with a certificate for 127.0.0.1 signed by a CA made for it;
    /// answers the cluster and that CA's certificate (PEM).
    ///
    /// # Errors
    /// As [`TempPostgres::start`], or when the certificates cannot be made.
    pub fn start_tls_only() -> Result<(Self, String), String> {
        let (cluster, certificates) = Self::start_tls(false)?;
        Ok((cluster, certificates.ca))
    }

    /// As [`TempPostgres::start_tls_only`], and a client is let in only with a
    /// certificate from the same CA naming its user (`cert` authentication); answers
    /// the CA's certificate and such a certificate and key for the user `rail`.
    ///
    /// # Errors
    /// As [`TempPostgres::start_tls_only`].
    pub fn start_verifying_clients() -> Result<(Self, TestCertificates), String> {
        Self::start_tls(true)
    }

    fn start_tls(verifies_clients: bool) -> Result<(Self, TestCertificates), String> {
        let mut cluster = Self::start_with_fsync(false)?;
        let certificates = TestCertificates::make()?;
        let data = cluster.dir.path().join("data");
        let write = |name: &str, text: &str| -> Result<(), String> {
            let path = data.join(name);
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            // The server refuses a key others may read.
            run_checked(Command::new("chmod").arg("600").arg(&path))?;
            if cluster.as_postgres_user {
                run_checked(Command::new("chown").arg("postgres:").arg(&path))?;
            }
            Ok(())
        };
        write("server.crt", &certificates.server_cert)?;
        write("server.key", &certificates.server_key)?;
        write("ca.crt", &certificates.ca)?;
        let method = if verifies_clients { "cert" } else { "trust" };
        write(
            "pg_hba.conf",
            &format!("local all all trust\nhostssl all all 127.0.0.1/32 {method}\n"),
        )?;
        cluster.tls_only = true;
        cluster.verifies_clients = verifies_clients;
        cluster.stop()?;
        cluster.restart()?;
        Ok((cluster, certificates))
    }

    fn start_with_fsync(fsync: bool) -> Result<Self, String> {
        let bin = programs()
            .ok_or("PostgreSQL's initdb was not found (install Debian's postgresql package)")?;
        let dir = tempfile::Builder::new()
            .prefix("rail-pg")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        let as_postgres_user =
            run_quiet(Command::new("id").arg("-u")).is_some_and(|out| out.trim() == "0");
        if as_postgres_user {
            run_checked(Command::new("chown").arg("postgres:").arg(dir.path()))?;
        }
        let port = free_port()?;
        let cluster = TempPostgres {
            dir,
            bin,
            port,
            fsync,
            as_postgres_user,
            databases: AtomicUsize::new(0),
            tls_only: false,
            verifies_clients: false,
        };
        let data = cluster.dir.path().join("data");
        cluster.pg("initdb", |c| {
            c.arg("-D")
                .arg(&data)
                .args(["-U", "rail", "--auth=trust", "-E", "UTF8", "--no-sync"])
        })?;
        cluster.restart()?;
        Ok(cluster)
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A new, empty database of its own; answers its URL.
    ///
    /// # Errors
    /// When the server refuses to create it.
    pub fn new_database(&self) -> Result<String, String> {
        let name = format!("rail_{}", self.databases.fetch_add(1, Ordering::SeqCst));
        let admin = self.url("postgres");
        let tls_only = self.tls_only;
        let socket_dir = self.dir.path().to_owned();
        // On a thread of its own: the client may not block inside a test's runtime.
        let create = format!("CREATE DATABASE {name}");
        std::thread::spawn(move || {
            let mut admin = if tls_only {
                // Through the local socket: the test's own set-up needs no TLS.
                postgres::Config::from_str(&admin)
                    .map_err(|e| format!("{admin}: {e}"))?
                    .host_path(&socket_dir)
                    .connect(postgres::NoTls)
            } else {
                postgres::Client::connect(&admin, postgres::NoTls)
            }
            .map_err(|e| format!("connecting to the test server: {e}"))?;
            admin
                .batch_execute(&create)
                .map_err(|e| format!("{create}: {e}"))
        })
        .join()
        .map_err(|_| "creating a database panicked".to_owned())??;
        Ok(self.url(&name))
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://rail@127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server at once (as a crash would), keeping its files.
    ///
    /// # Errors
    /// When `pg_ctl` fails.
    pub fn stop(&self) -> Result<(), String> {
        let data = self.dir.path().join("data");
        self.pg("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "stop"])
        })
    }

    /// Starts the server (again, after [`TempPostgres::stop`]).
    ///
    /// # Errors
    /// When `pg_ctl` fails.
    pub fn restart(&self) -> Result<(), String> {
        let data = self.dir.path().join("data");
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync={} -c max_connections=200",
            self.port,
            self.dir.path().display(),
            if self.fsync { "on" } else { "off" }
        );
        if self.tls_only {
            options.push_str(" -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key");
        }
        if self.verifies_clients {
            options.push_str(" -c ssl_ca_file=ca.crt");
        }
        self.pg("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(self.dir.path().join("server.log"))
                .arg("-o")
                .arg(&options)
                .args(["-w", "-t", "30", "start"])
        })
    }

    fn pg(
        &self,
        program: &str,
        args: impl FnOnce(&mut Command) -> &mut Command,
    ) -> Result<(), String> {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        run_checked(args(&mut command))
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// A CA made for a test, a server certificate for 127.0.0.1 it signed, and a client
/// certificate for the user `rail` it signed, in PEM.
pub struct TestCertificates {
    pub ca: String,
    server_cert: String,
    server_key: String,
    pub client_cert: String,
    pub client_key: String,
}

impl TestCertificates {
    fn make() -> Result<Self, String> {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
        let failed = |e: rcgen::Error| format!("test certificate: {e}");
        let ca_key = KeyPair::generate().map_err(failed)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Rail test CA");
        let ca = ca_params.self_signed(&ca_key).map_err(failed)?;
        let issuer = Issuer::new(ca_params, &ca_key);
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        params.subject_alt_names = vec![SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into())];
        let key = KeyPair::generate().map_err(failed)?;
        let cert = params.signed_by(&key, &issuer).map_err(failed)?;
        let mut client_params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        client_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "rail");
        let client_key = KeyPair::generate().map_err(failed)?;
        let client_cert = client_params
            .signed_by(&client_key, &issuer)
            .map_err(failed)?;
        Ok(TestCertificates {
            ca: ca.pem(),
            server_cert: cert.pem(),
            server_key: key.serialize_pem(),
            client_cert: client_cert.pem(),
            client_key: client_key.serialize_pem(),
        })
    }
}

/// Where `initdb` and `pg_ctl` are: on the `PATH`, or in Debian's versioned directory.
fn programs() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    });
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").is_file())
            .collect();
        versions.sort();
        versions.pop()
    })
}

fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("free port: {e}"))
}

fn run_quiet(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn run_checked(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A throwaway NATS server (Debian's `nats-server`) on a free loopback port, killed
/// when dropped.
#[derive(Debug)]
pub struct TempNats {
    child: std::process::Child,
    port: u16,
    /// With TLS: the server's certificate and key, passed to every start.
    tls: Option<tempfile::TempDir>,
    /// Further arguments passed to every start (a cluster's routes).
    extra: Vec<String>,
    /// The port of the server's monitoring endpoint.
    monitor_port: u16,
}

impl TempNats {
    /// Starts a server and waits until it accepts connections.
    ///
    /// # Errors
    /// When `nats-server` is missing or does not start.
    pub fn start() -> Result<Self, String> {
        Self::launch(None, Vec::new())
    }

    /// Starts `size` servers routed to each other as one NATS cluster: a client of any
    /// of them reaches the subscribers of all.
    ///
    /// # Errors
    /// As [`TempNats::start`].
    pub fn start_cluster(size: usize) -> Result<Vec<Self>, String> {
        let route_ports = (0..size)
            .map(|_| free_port())
            .collect::<Result<Vec<_>, _>>()?;
        route_ports
            .iter()
            .enumerate()
            .map(|(n, own)| {
                let routes: Vec<String> = route_ports
                    .iter()
                    .enumerate()
                    .filter(|&(other, _)| other != n)
                    .map(|(_, port)| format!("nats://127.0.0.1:{port}"))
                    .collect();
                Self::launch(
                    None,
                    vec![
                        "--cluster_name".to_owned(),
                        "rail".to_owned(),
                        "--cluster".to_owned(),
                        format!("nats://127.0.0.1:{own}"),
                        "--routes".to_owned(),
                        routes.join(","),
                    ],
                )
            })
            .collect()
    }

    /// Starts a server that takes TLS connections only, with a certificate for
    /// 127.0.0.1 signed by a CA made for it, from clients that show a certificate the
    /// same CA signed; answers the server and the certificates (PEM).
    ///
    /// # Errors
    /// As [`TempNats::start`], or when the certificates cannot be made.
    pub fn start_tls() -> Result<(Self, TestCertificates), String> {
        let certificates = TestCertificates::make()?;
        let dir = tempfile::Builder::new()
            .prefix("rail-nats")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        for (name, text) in [
            ("server.crt", &certificates.server_cert),
            ("server.key", &certificates.server_key),
            ("ca.crt", &certificates.ca),
        ] {
            std::fs::write(dir.path().join(name), text).map_err(|e| format!("{name}: {e}"))?;
        }
        // Clients must show a certificate from the same CA.
        let verify = vec![
            "--tlsverify".to_owned(),
            "--tlscacert".to_owned(),
            dir.path().join("ca.crt").display().to_string(),
        ];
        Ok((Self::launch(Some(dir), verify)?, certificates))
    }

    /// Starts a server on free ports (its clients' and its monitoring endpoint's),
    /// with TLS when `tls` holds its certificate and key, and `extra` arguments.
    fn launch(tls: Option<tempfile::TempDir>, mut extra: Vec<String>) -> Result<Self, String> {
        let port = free_port()?;
        let monitor_port = free_port()?;
        extra.extend(["-m".to_owned(), monitor_port.to_string()]);
        let mut server = TempNats {
            child: Self::spawn(port, tls.as_ref().map(tempfile::TempDir::path), &extra)?,
            port,
            tls,
            extra,
            monitor_port,
        };
        server.wait_ready()?;
        Ok(server)
    }

    fn spawn(
        port: u16,
        tls: Option<&std::path::Path>,
        extra: &[String],
    ) -> Result<std::process::Child, String> {
        let program = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("nats-server"));
        let mut command = Command::new(&program);
        command.args(["-a", "127.0.0.1", "-p", &port.to_string()]);
        if let Some(dir) = tls {
            command
                .arg("--tls")
                .arg("--tlscert")
                .arg(dir.join("server.crt"))
                .arg("--tlskey")
                .arg(dir.join("server.key"));
        }
        command
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("{} (install Debian's nats-server): {e}", program.display()))
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("nats-server exited: {status}"));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Err("nats-server did not start within 10 s".into())
    }

    /// `nats://127.0.0.1:<port>` (`tls://` for a server started with TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "tls" } else { "nats" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:<port>` of the server's monitoring endpoint (`/connz` lists its
    /// clients).
    pub fn monitor_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.monitor_port)
    }

    /// Kills the server (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port after [`TempNats::kill`].
    ///
    /// # Errors
    /// When it does not start.
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.child = Self::spawn(
            self.port,
            self.tls.as_ref().map(tempfile::TempDir::path),
            &self.extra,
        )?;
        self.wait_ready()
    }
}

impl Drop for TempNats {
    fn drop(&mut self) {
        self.kill();
    }
}
