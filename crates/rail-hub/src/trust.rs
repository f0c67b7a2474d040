//! Whom a hub trusts when it connects out over TLS — to a shared PostgreSQL store, to
//! the NATS server of its group: the CA certificates in a file named for that service,
//! or else the system's. Certificate chains and server names are always checked.
//!
//! The TLS configuration is built here, with the hub's own crypto provider, rather than
//! by each client library from process-wide defaults: the hub links more than one
//! provider, and a library asking for "the default" would find none chosen.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// Why a TLS client configuration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("CA file {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("CA file {path}: no PEM certificate in it")]
    NoCertificate { path: String },
    #[error("CA file {path}: {why}")]
    BadCertificate { path: String, why: String },
    #[error("the system has no CA certificates ({0}); name the server's CA in a file")]
    NoSystemCertificates(String),
    #[error("TLS set-up: {0}")]
    Setup(#[from] rustls::Error),
}

/// A TLS client configuration trusting the CAs in `ca_file`, and only those; without
/// one, the system's CAs.
///
/// # Errors
/// When the file cannot be read or holds no certificate, or the system has none.
pub fn client_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, TrustError> {
    let roots = match ca_file {
        Some(path) => roots_from_file(path)?,
        None => system_roots()?,
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn roots_from_file(path: &Path) -> Result<rustls::RootCertStore, TrustError> {
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|source| TrustError::Unreadable {
        path: shown.clone(),
        source,
    })?;
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|error| TrustError::BadCertificate {
            path: shown.clone(),
            why: error.to_string(),
        })?;
    if certificates.is_empty() {
        return Err(TrustError::NoCertificate { path: shown });
    }
    let mut roots = rustls::RootCertStore::empty();
    for certificate in certificates {
        roots
            .add(certificate)
            .map_err(|error| TrustError::BadCertificate {
                path: shown.clone(),
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
        let missing = client_config(Some(Path::new("/nonexistent/ca.pem")));
        assert!(
            matches!(&missing, Err(TrustError::Unreadable { path, .. }) if path == "/nonexistent/ca.pem"),
            "{:?}",
            missing.err()
        );
        let dir = tempfile::tempdir().expect("dir");
        let junk = dir.path().join("ca.pem");
        std::fs::write(&junk, "not a certificate").expect("write");
        assert!(matches!(
            client_config(Some(&junk)),
            Err(TrustError::NoCertificate { .. })
        ));
    }
}
