//! How a hub reaches its PostgreSQL server: plain TCP, or TLS with the server's
//! certificate and name checked.
//!
//! The store's address is a libpq URL, so the one a database administrator hands out
//! for `psql` works here too. `sslmode=require`, `verify-ca` or `verify-full` asks for
//! TLS; Rail then always checks the certificate chain and that it names the host in the
//! URL (stricter than libpq's `require`, which checks nothing: a store that holds every
//! order and token secret is not worth reaching through a server that only claims to be
//! the right one). The roots trusted are the system's, or only the CA certificates in
//! `sslrootcert=<file>` when it is given (`crate::trust`). Without `sslmode` (or with `disable`,
//! `allow`, `prefer`) the connection is plain TCP, for a database on the hubs' own
//! private network. The client library reads the rest of the URL and knows neither
//! `sslrootcert` nor the `verify-*` modes, so they are taken out before it sees it.

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
        let (params, verify, root_file) = take_libpq_options(address);
        let config: postgres::Config = params
            .parse()
            .map_err(|error| StoreError::Address(format!("{error}")))?;
        let wants_tls = verify || config.get_ssl_mode() == SslMode::Require;
        if !wants_tls {
            if root_file.is_some() {
                return Err(StoreError::Address(
                    "sslrootcert is given but TLS is not asked for: add sslmode=verify-full".into(),
                ));
            }
            return Ok(Target { params, tls: None });
        }
        let config = crate::trust::client_config(root_file.as_deref().map(std::path::Path::new))
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

/// Takes `sslrootcert` out of a URL and turns `sslmode=verify-ca`/`verify-full` into
/// `require`: answers the URL left, whether a `verify-*` mode was asked for, and the
/// CA file. A key=value string is answered unchanged (the library reads its `sslmode`).
fn take_libpq_options(address: &str) -> (String, bool, Option<String>) {
    let Ok(mut url) = url::Url::parse(address) else {
        return (address.to_owned(), false, None);
    };
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return (address.to_owned(), false, None);
    }
    let mut verify = false;
    let mut root_file = None;
    let mut kept = Vec::new();
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("sslrootcert", path) => root_file = Some(path.to_owned()),
            ("sslmode", "verify-ca" | "verify-full") => {
                verify = true;
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
    (url.into(), verify, root_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_options_the_library_does_not_know_are_taken_out() {
        let (params, verify, root) = take_libpq_options(
            "postgres://rail@db.example:5432/rail?sslmode=verify-full&sslrootcert=/etc/rail/ca.pem&application_name=hub",
        );
        assert_eq!(
            params,
            "postgres://rail@db.example:5432/rail?sslmode=require&application_name=hub"
        );
        assert!(verify);
        assert_eq!(root.as_deref(), Some("/etc/rail/ca.pem"));
        // A key=value string is the library's to read.
        let (params, verify, root) = take_libpq_options("host=db user=rail sslmode=require");
        assert_eq!(params, "host=db user=rail sslmode=require");
        assert!(!verify);
        assert!(root.is_none());
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
    fn a_ca_file_that_is_missing_or_not_asked_for_and_an_unknown_mode_are_refused() {
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
        assert!(matches!(
            Target::parse("postgres://rail@db/rail?sslmode=sometimes"),
            Err(StoreError::Address(_))
        ));
    }
}
