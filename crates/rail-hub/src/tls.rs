//! HTTPS and WSS without a public CA: the hub makes its own certificate authority on
//! first start (kept beside its database, the key readable by the hub's user only) and,
//! at every start, a server certificate for its current names and addresses signed by
//! it. Pairing hands screens that CA, so they verify the hub with no internet; a
//! certificate given in the configuration is used instead when there is one.
//!
//! [`TlsListener`] serves the hub's router over TLS: handshakes run concurrently, each
//! bounded in time, so a slow or hostile client cannot hold up the others.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("cannot read or write {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} holds no usable {what}")]
    Unusable { path: String, what: &'static str },
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the certificate and key do not make a TLS server: {0}")]
    Config(#[from] rustls::Error),
}

/// The hub's TLS: the server configuration, and the CA screens are to trust.
pub struct HubTls {
    pub server_config: Arc<rustls::ServerConfig>,
    /// The CA certificate (PEM) pairing hands to screens; `None` for a certificate
    /// given in the configuration (its issuer is whoever signed it).
    pub ca_pem: Option<String>,
    /// SHA-256 of the CA (or given) certificate, in groups of four hex digits: what a
    /// person compares between a screen and the admin page.
    pub fingerprint: String,
}

/// Name of the CA certificate file in the hub's TLS directory.
pub const CA_CERT_FILE: &str = "ca.pem";
/// Name of the CA key file (0600).
pub const CA_KEY_FILE: &str = "ca.key";

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::File {
        path: path.display().to_string(),
        source,
    }
}

/// SHA-256 of a DER certificate, as `AB12 CD34 …` (the first 16 bytes).
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    digest[..16]
        .chunks(2)
        .map(|pair| format!("{:02X}{:02X}", pair[0], pair[1]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The CA's parameters, derived from its key alone, so the issuer can be rebuilt from
/// the stored key on every start (its name carries the key's digest, so two hubs'
/// CAs never share a name).
fn ca_params(key: &KeyPair) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let digest = Sha256::digest(key.public_key_raw());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, format!("Rail hub CA {tag}"));
    name.push(DnType::OrganizationName, "Rail");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // Valid for twenty years from now: a kitchen's hub outlives any sensible renewal
    // schedule, and the CA never leaves the hub's disk.
    let now = time_now();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(365 * 20);
    Ok(params)
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Writes `text` to `path`, readable by the hub's user only.
fn write_private(path: &Path, text: &str) -> Result<(), TlsError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(file_error(path))?;
    file.write_all(text.as_bytes()).map_err(file_error(path))?;
    file.sync_all().map_err(file_error(path))
}

/// Reads the CA in `dir`, or makes one there (a 0700 directory) on first start.
fn load_or_make_ca(dir: &Path) -> Result<(KeyPair, String), TlsError> {
    use std::os::unix::fs::DirBuilderExt;
    let key_path = dir.join(CA_KEY_FILE);
    let cert_path = dir.join(CA_CERT_FILE);
    if key_path.exists() && cert_path.exists() {
        let key_pem = std::fs::read_to_string(&key_path).map_err(file_error(&key_path))?;
        let key = KeyPair::from_pem(&key_pem).map_err(|_| TlsError::Unusable {
            path: key_path.display().to_string(),
            what: "private key",
        })?;
        let cert_pem = std::fs::read_to_string(&cert_path).map_err(file_error(&cert_path))?;
        return Ok((key, cert_pem));
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(file_error(dir))?;
    let key = KeyPair::generate()?;
    let cert = ca_params(&key)?.self_signed(&key)?;
    write_private(&key_path, &key.serialize_pem())?;
    // The certificate is public, but nobody else needs to write it.
    write_private(&cert_path, &cert.pem())?;
    tracing::info!(dir = %dir.display(), "made the hub's certificate authority");
    Ok((key, cert.pem()))
}

/// The names and addresses the hub is reached by: `localhost`, its host name (and
/// `<host>.local`, which mDNS answers), every address of every interface, and any
/// `extra` names from the configuration.
pub fn local_names(extra: &[String]) -> Vec<String> {
    let mut names = vec!["localhost".to_owned()];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() {
            names.push(host.to_owned());
            names.push(format!("{host}.local"));
        }
    }
    match if_addrs::get_if_addrs() {
        Ok(interfaces) => names.extend(interfaces.iter().map(|i| i.ip().to_string())),
        Err(error) => tracing::warn!(%error, "cannot list the network interfaces"),
    }
    for loopback in ["127.0.0.1", "::1"] {
        names.push(loopback.to_owned());
    }
    names.extend(extra.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    names.retain(|name| seen.insert(name.clone()));
    names
}

impl HubTls {
    /// The hub's own CA in `dir` (made on first start) and a fresh server certificate
    /// for `names` signed by it.
    ///
    /// # Errors
    /// When the CA cannot be read or written, or a certificate cannot be made.
    pub fn own(dir: &Path, names: &[String]) -> Result<Self, TlsError> {
        let (ca_key, ca_pem) = load_or_make_ca(dir)?;
        let issuer = Issuer::new(ca_params(&ca_key)?, &ca_key);
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.subject_alt_names = names
            .iter()
            .map(|name| match name.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => Ok(SanType::DnsName(name.clone().try_into()?)),
            })
            .collect::<Result<_, rcgen::Error>>()?;
        let mut subject = DistinguishedName::new();
        subject.push(DnType::CommonName, "rail-hub");
        params.distinguished_name = subject;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let now = time_now();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(397);
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &issuer)?;
        let ca_der =
            CertificateDer::from_pem_slice(ca_pem.as_bytes()).map_err(|_| TlsError::Unusable {
                path: dir.join(CA_CERT_FILE).display().to_string(),
                what: "certificate",
            })?;
        let key_der =
            PrivateKeyDer::try_from(key.serialize_der()).map_err(|_| TlsError::Unusable {
                path: "the new server key".into(),
                what: "private key",
            })?;
        let chain = vec![cert.der().clone(), ca_der.clone()];
        Ok(HubTls {
            server_config: server_config(chain, key_der)?,
            fingerprint: fingerprint(&ca_der),
            ca_pem: Some(ca_pem),
        })
    }

    /// A certificate chain and key given in the configuration (PEM files).
    ///
    /// # Errors
    /// When the files cannot be read or do not make a TLS server.
    pub fn given(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let unusable = |path: &Path, what| TlsError::Unusable {
            path: path.display().to_string(),
            what,
        };
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .map_err(|_| unusable(cert, "certificate"))?
            .collect::<Result<_, _>>()
            .map_err(|_| unusable(cert, "certificate"))?;
        let first = chain.first().ok_or_else(|| unusable(cert, "certificate"))?;
        let fingerprint = fingerprint(first);
        let key = PrivateKeyDer::from_pem_file(key).map_err(|_| unusable(key, "private key"))?;
        Ok(HubTls {
            server_config: server_config(chain, key)?,
            ca_pem: None,
            fingerprint,
        })
    }
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    // WebSocket upgrades need HTTP/1.1.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The directory of the hub's own CA: `tls/` beside its database.
pub fn default_dir(db: &Path) -> PathBuf {
    db.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
        .join("tls")
}

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A listener that hands axum finished TLS connections.
pub struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Accepts on `listener` and shakes hands with `config`, each connection on its own
    /// task.
    ///
    /// # Errors
    /// When the listener has no local address.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (ready, incoming) = mpsc::channel(256);
        let accepting = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of descriptors, say: wait rather than spin.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Small writes (events, heartbeats) must not wait for Nagle.
                let _ = stream.set_nodelay(true);
                let acceptor = acceptor.clone();
                let ready = ready.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = ready.send((tls, peer)).await;
                        }
                        Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener {
            incoming,
            local,
            accepting,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            // The accepting task only ends when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_made_once_kept_private_and_signs_each_new_server_certificate() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let tls_dir = dir.path().join("tls");
        let first = HubTls::own(&tls_dir, &["localhost".into(), "127.0.0.1".into()]).expect("tls");
        let second = HubTls::own(&tls_dir, &["localhost".into()]).expect("tls again");
        assert_eq!(first.ca_pem, second.ca_pem, "the CA is kept across starts");
        assert_eq!(first.fingerprint, second.fingerprint);
        assert_eq!(first.fingerprint.split(' ').count(), 8);
        let mode =
            |path: PathBuf| std::fs::metadata(path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(tls_dir.clone()), 0o700);
        assert_eq!(mode(tls_dir.join(CA_KEY_FILE)), 0o600);
        let other = HubTls::own(&dir.path().join("other"), &["localhost".into()]).expect("tls");
        assert_ne!(other.fingerprint, first.fingerprint, "each hub its own CA");
    }

    #[test]
    fn a_broken_key_file_is_named() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join(CA_KEY_FILE), "not a key").expect("write");
        std::fs::write(dir.path().join(CA_CERT_FILE), "not a cert").expect("write");
        let error = HubTls::own(dir.path(), &["localhost".into()])
            .err()
            .expect("refused");
        assert!(error.to_string().contains(CA_KEY_FILE), "{error}");
    }

    #[test]
    fn names_include_loopback_and_configured_ones() {
        let names = local_names(&["hub.bistro.lan".into()]);
        for name in ["localhost", "127.0.0.1", "::1", "hub.bistro.lan"] {
            assert!(
                names.iter().any(|n| n == name),
                "{name} missing from {names:?}"
            );
        }
    }
}
