//! Whom the screen trusts to be its hub. A paired screen trusts only the certificate
//! authority its hub handed over when pairing (a hub makes its own, so no public CA and
//! no internet is involved); a screen configured by hand with an `https://` hub trusts
//! the usual public roots. Pairing itself starts before the screen knows the CA: that
//! one request takes the hub on trust, and the code the manager approves on the hub
//! (with the CA's fingerprint shown on both sides) is what ties the two together.

use std::sync::Arc;
use std::time::Duration;

use tokio_tungstenite::Connector;

/// Why a trust setting could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    #[error("the hub's certificate authority is not a PEM certificate")]
    BadCa,
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

/// How long one REST call to the hub may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

fn ca_certificates(
    ca_pem: &str,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, TrustError> {
    use rustls::pki_types::pem::PemObject;
    let certificates: Vec<_> = rustls::pki_types::CertificateDer::pem_slice_iter(ca_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|_| TrustError::BadCa)?;
    if certificates.is_empty() {
        return Err(TrustError::BadCa);
    }
    Ok(certificates)
}

/// The HTTP client for the hub: with `ca_pem`, that CA and nothing else is trusted.
///
/// # Errors
/// When the CA is not a certificate or the client cannot be built.
pub fn http_client(ca_pem: Option<&str>) -> Result<reqwest::Client, TrustError> {
    let mut builder = reqwest::Client::builder().timeout(CALL_TIMEOUT);
    if let Some(ca_pem) = ca_pem {
        let certificates = ca_certificates(ca_pem)?
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| TrustError::BadCa)?;
        builder = builder.tls_certs_only(certificates);
    }
    builder
        .build()
        .map_err(|error| TrustError::Setup(error.to_string()))
}

/// The client for the very first pairing request to an `https://` hub, before the
/// screen has its CA: the hub's certificate is taken on trust for that one call.
///
/// # Errors
/// When the client cannot be built.
pub fn first_contact_client() -> Result<reqwest::Client, TrustError> {
    reqwest::Client::builder()
        .timeout(CALL_TIMEOUT)
        .tls_danger_accept_invalid_certs(true)
        .build()
        .map_err(|error| TrustError::Setup(error.to_string()))
}

/// The TLS connector for the hub's WebSocket: `None` (the library's defaults) without
/// a CA of its own.
///
/// # Errors
/// When the CA is not a certificate or TLS cannot be set up.
pub fn socket_connector(ca_pem: Option<&str>) -> Result<Option<Connector>, TrustError> {
    let Some(ca_pem) = ca_pem else {
        return Ok(None);
    };
    let mut roots = rustls::RootCertStore::empty();
    for certificate in ca_certificates(ca_pem)? {
        roots
            .add(certificate)
            .map_err(|error| TrustError::Setup(error.to_string()))?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| TrustError::Setup(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Some(Connector::Rustls(Arc::new(config))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_that_is_not_a_certificate_is_refused() {
        assert!(matches!(
            http_client(Some("nonsense")),
            Err(TrustError::BadCa)
        ));
        assert!(matches!(
            socket_connector(Some("nonsense")),
            Err(TrustError::BadCa)
        ));
        assert!(matches!(socket_connector(None), Ok(None)));
        assert!(http_client(None).is_ok());
    }
}
