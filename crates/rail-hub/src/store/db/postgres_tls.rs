//! How a hub reaches its PostgreSQL server: plain TCP, or TLS with the server's
//! certificate and name checked.
//!
//! The store's address is a libpq URL, so the one a database administrator hands out
//! for `psql` works here too. `sslmode=require`, `verify-ca` or `verify-full` asks for
//! TLS; Rail then always checks the certificate chain and that it names the host in the
//! URL (stricter than libpq's `require`, which checks nothing: a store that holds every
//! order and token secret is not worth reaching through a server that only claims to be
//! the right one). The roots trusted are the system's, or only the CA certificates in
//! `sslrootcert=<file>` when it is given (`crate::trust`). A server that asks for a
//! client certificate gets the one in `sslcert=<file>`, with the key in `sslkey=<file>`
//! (both PEM). Without `sslmode` (or with `disable`, `allow`, `prefer`) the connection
//! is plain TCP, for a database on the hubs' own private network. The client library
//! reads the rest of the URL and knows neither these file options nor the `verify-*`
//! modes, so they are taken out before it sees it.

use postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::StoreError;

/// A PostgreSQL server's address, as the client library is to be given it.
pub(crate) struct Target {
    /// The URL (or key=value string) without the options handled here.
    params: String,
    /// The TLS set-up, when the address asks for TLS.
    tls: Option<MakeRustlsConnect>,
}

impl Target {
    /// Reads `address`: which server, and whether and how to reach it over TLS.
    ///
    /// # Errors
    /// [`StoreError::Address`] when the address cannot be read, names a CA file that
    /// cannot be read or holds no certificate, or names one without asking for TLS.
    pub(crate) fn parse(address: &str) -> Result<Self, StoreError> {
        let LibpqOptions {
            params,
            verify,
            root_file,
            cert_file,
            key_file,
        } = take_libpq_options(address);
        let config: postgres::Config = params
            .parse()
            .map_err(|error| StoreError::Address(format!("{error}")))?;
        let identity = match (&cert_file, &key_file) {
            (Some(cert), Some(key)) => Some(crate::trust::ClientIdentity {
                cert: std::path::Path::new(cert),
                key: std::path::Path::new(key),
            }),
            (None, None) => None,
            _ => {
                return Err(StoreError::Address(
                    "sslcert and sslkey go together: name both files or neither".into(),
                ))
            }
        };
        let wants_tls = verify || config.get_ssl_mode() == SslMode::Require;
        if !wants_tls {
            if root_file.is_some() || identity.is_some() {
                return Err(StoreError::Address(
                    "sslrootcert, sslcert or sslkey is given but TLS is not asked for: add sslmode=verify-full".into(),
                ));
            }
            return Ok(Target { params, tls: None });
        }
        let config =
            crate::trust::client_config(root_file.as_deref().map(std::path::Path::new), identity)
                .map_err(|error| StoreError::Address(format!("TLS: {error}")))?;
        Ok(Target {
            params,
            tls: Some(MakeRustlsConnect::new(config)),
        })
    }

    /// Opens a connection.
    ///
    /// # Errors
    /// When the server cannot be reached, refuses the connection or fails the TLS
    /// checks.
    pub(crate) fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        match &self.tls {
            Some(tls) => postgres::Client::connect(&self.params, tls.clone()),
            None => postgres::Client::connect(&self.params, postgres::NoTls),
        }
    }
}

/// A libpq address with the options the client library does not know taken out.
#[derive(Debug, PartialEq, Eq)]
struct LibpqOptions {
    /// The address left for the library.
    params: String,
    /// Whether a `verify-*` mode was asked for.
    verify: bool,
    /// `sslrootcert`, `sslcert` and `sslkey`.
    root_file: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
}

/// Takes `sslrootcert`, `sslcert` and `sslkey` out of a URL and turns
/// `sslmode=verify-ca`/`verify-full` into `require`. A key=value string is answered
/// unchanged (the library reads its `sslmode`).
fn take_libpq_options(address: &str) -> LibpqOptions {
    let mut options = LibpqOptions {
        params: address.to_owned(),
        verify: false,
        root_file: None,
        cert_file: None,
        key_file: None,
    };
    let Ok(mut url) = url::Url::parse(address) else {
        return options;
    };
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return options;
    }
    let mut kept = Vec::new();
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("sslrootcert", path) => options.root_file = Some(path.to_owned()),
            ("sslcert", path) => options.cert_file = Some(path.to_owned()),
            ("sslkey", path) => options.key_file = Some(path.to_owned()),
            ("sslmode", "verify-ca" | "verify-full") => {
                options.verify = true;
                kept.push(("sslmode".to_owned(), "require".to_owned()));
            }
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    options.params = url.into();
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_options_the_library_does_not_know_are_taken_out() {
        assert_eq!(
            take_libpq_options(
                "postgres://rail@db.example:5432/rail?sslmode=verify-full&sslrootcert=/etc/rail/ca.pem&application_name=hub&sslcert=/etc/rail/hub.crt&sslkey=/etc/rail/hub.key",
            ),
            LibpqOptions {
                params: "postgres://rail@db.example:5432/rail?sslmode=require&application_name=hub"
                    .into(),
                verify: true,
                root_file: Some("/etc/rail/ca.pem".into()),
                cert_file: Some("/etc/rail/hub.crt".into()),
                key_file: Some("/etc/rail/hub.key".into()),
            }
        );
        // A key=value string is the library's to read.
        let options = take_libpq_options("host=db user=rail sslmode=require");
        assert_eq!(options.params, "host=db user=rail sslmode=require");
        assert!(!options.verify);
        assert!(options.root_file.is_none() && options.cert_file.is_none());
    }

    #[test]
    fn a_plain_address_stays_plain_and_tls_is_only_had_when_asked() {
        let plain = Target::parse("postgres://rail@127.0.0.1:5432/rail").expect("plain");
        assert!(plain.tls.is_none());
        assert_eq!(plain.params, "postgres://rail@127.0.0.1:5432/rail");
        let prefer =
            Target::parse("postgres://rail@127.0.0.1/rail?sslmode=prefer").expect("prefer");
        assert!(prefer.tls.is_none());
    }

    #[test]
    fn files_that_are_missing_or_not_asked_for_a_lone_certificate_and_an_unknown_mode_are_refused()
    {
        let missing = Target::parse(
            "postgres://rail@db/rail?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        );
        assert!(
            matches!(&missing, Err(StoreError::Address(why)) if why.contains("/nonexistent/ca.pem")),
            "{:?}",
            missing.err()
        );
        let unasked = Target::parse("postgres://rail@db/rail?sslrootcert=/etc/rail/ca.pem");
        assert!(
            matches!(&unasked, Err(StoreError::Address(why)) if why.contains("sslmode=verify-full")),
        );
        let half =
            Target::parse("postgres://rail@db/rail?sslmode=verify-full&sslcert=/etc/rail/hub.crt");
        assert!(
            matches!(&half, Err(StoreError::Address(why)) if why.contains("go together")),
            "{:?}",
            half.err()
        );
        assert!(matches!(
            Target::parse("postgres://rail@db/rail?sslmode=sometimes"),
            Err(StoreError::Address(_))
        ));
    }
}
