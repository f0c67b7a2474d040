//! Whom a hub trusts when it connects out over TLS — to a shared PostgreSQL store, to
//! the NATS server of its group: the CA certificates in a file named for that service,
//! or else the system's. Certificate chains and server names are always checked. A
//! server that asks its clients for a certificate gets the one named for it, with its
//! key.
//!
//! The TLS configuration is built here, with the hub's own crypto provider, rather than
//! by each client library from process-wide defaults: the hub links more than one
//! provider, and a library asking for "the default" would find none chosen.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why a TLS client configuration could not be made. `what` names the file's part:
/// the CA file, the client certificate or its key.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{what} {path}: {source}")]
    Unreadable {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("{what} {path}: no PEM certificate in it")]
    NoCertificate { what: &'static str, path: String },
    #[error("{what} {path}: {why}")]
    BadCertificate {
        what: &'static str,
        path: String,
        why: String,
    },
    #[error("client key {path}: no PEM private key in it ({why})")]
    NoKey { path: String, why: String },
    #[error("client certificate {cert} and key {key} do not go together: {why}")]
    Mismatch {
        cert: String,
        key: String,
        why: String,
    },
    #[error("the system has no CA certificates ({0}); name the server's CA in a file")]
    NoSystemCertificates(String),
    #[error("TLS set-up: {0}")]
    Setup(#[from] rustls::Error),
}

const CA_FILE: &str = "CA file";
const CLIENT_CERTIFICATE: &str = "client certificate";
const CLIENT_KEY: &str = "client key";

/// The certificate (PEM, the hub's own first, then any intermediates) and private key
/// (PEM: PKCS#8, PKCS#1 or SEC1) a hub shows a server that asks for one.
#[derive(Debug, Clone, Copy)]
pub struct ClientIdentity<'a> {
    pub cert: &'a Path,
    pub key: &'a Path,
}

/// A TLS client configuration trusting the CAs in `ca_file`, and only those; without
/// one, the system's CAs. With an `identity`, the hub shows that certificate to a
/// server that asks for one.
///
/// # Errors
/// When a file cannot be read or holds nothing usable, the certificate and key do not
/// go together, or the system has no CAs.
pub fn client_config(
    ca_file: Option<&Path>,
    identity: Option<ClientIdentity<'_>>,
) -> Result<rustls::ClientConfig, TrustError> {
    let roots = match ca_file {
        Some(path) => roots_from_file(path)?,
        None => system_roots()?,
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    let Some(identity) = identity else {
        return Ok(builder.with_no_client_auth());
    };
    let chain = certificates_in(identity.cert, CLIENT_CERTIFICATE)?;
    let key_path = identity.key.display().to_string();
    let pem = read(identity.key, CLIENT_KEY)?;
    let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|error| TrustError::NoKey {
        path: key_path.clone(),
        why: error.to_string(),
    })?;
    builder
        .with_client_auth_cert(chain, key)
        .map_err(|error| TrustError::Mismatch {
            cert: identity.cert.display().to_string(),
            key: key_path,
            why: error.to_string(),
        })
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TrustError> {
    std::fs::read(path).map_err(|source| TrustError::Unreadable {
        what,
        path: path.display().to_string(),
        source,
    })
}

/// The PEM certificates in `path`, at least one.
fn certificates_in(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TrustError> {
    let shown = path.display().to_string();
    let pem = read(path, what)?;
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|error| TrustError::BadCertificate {
            what,
            path: shown.clone(),
            why: error.to_string(),
        })?;
    if certificates.is_empty() {
        return Err(TrustError::NoCertificate { what, path: shown });
    }
    Ok(certificates)
}

fn roots_from_file(path: &Path) -> Result<rustls::RootCertStore, TrustError> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in certificates_in(path, CA_FILE)? {
        roots
            .add(certificate)
            .map_err(|error| TrustError::BadCertificate {
                what: CA_FILE,
                path: path.display().to_string(),
                why: error.to_string(),
            })?;
    }
    Ok(roots)
}

fn system_roots() -> Result<rustls::RootCertStore, TrustError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable entries in the system's store are skipped, as every TLS client does;
    // only a store with nothing usable is an error.
    let (_added, _skipped) = roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err(TrustError::NoSystemCertificates(
            found
                .errors
                .first()
                .map_or_else(|| "none found".to_owned(), ToString::to_string),
        ));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_that_is_missing_or_not_a_certificate_is_refused_by_name() {
        let missing = client_config(Some(Path::new("/nonexistent/ca.pem")), None);
        assert!(
            matches!(&missing, Err(TrustError::Unreadable { path, .. }) if path == "/nonexistent/ca.pem"),
            "{:?}",
            missing.err()
        );
        let dir = tempfile::tempdir().expect("dir");
        let junk = dir.path().join("ca.pem");
        std::fs::write(&junk, "not a certificate").expect("write");
        assert!(matches!(
            client_config(Some(&junk), None),
            Err(TrustError::NoCertificate { .. })
        ));
    }

    #[test]
    fn a_client_key_file_without_a_key_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("dir");
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(vec!["hub".to_owned()]).expect("params");
        let cert = dir.path().join("hub.crt");
        std::fs::write(&cert, params.self_signed(&key).expect("certificate").pem()).expect("write");
        let not_a_key = dir.path().join("hub.key");
        std::fs::write(&not_a_key, "not a key").expect("write");
        let refused = client_config(
            Some(&cert),
            Some(ClientIdentity {
                cert: &cert,
                key: &not_a_key,
            }),
        );
        assert!(
            matches!(&refused, Err(TrustError::NoKey { path, .. }) if path.ends_with("hub.key")),
            "{:?}",
            refused.err()
        );
        let missing = client_config(
            Some(&cert),
            Some(ClientIdentity {
                cert: &dir.path().join("absent.crt"),
                key: &not_a_key,
            }),
        );
        assert!(
            matches!(
                &missing,
                Err(TrustError::Unreadable {
                    what: "client certificate",
                    ..
                })
            ),
            "{:?}",
            missing.err()
        );
    }
}
