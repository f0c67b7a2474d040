//! A hub whose PostgreSQL server takes TLS connections only (a throwaway server with a
//! certificate for 127.0.0.1 from a CA of its own): the hub reaches it when the URL
//! asks for TLS and names that CA, in the library and in the `rail-hub` command; it is
//! refused, with the reason, over plain TCP, with another CA, and under a name the
//! certificate does not carry. A server asking for a client certificate gets the one
//! the URL names.

use rail_hub::auth::{claims, Role};
use rail_hub::testing::TempPostgres;
use rail_hub::{Hub, HubConfig};

fn open(url: &str) -> Result<std::sync::Arc<Hub>, String> {
    Hub::open_postgres(url, HubConfig::default(), Some("test-secret".into()))
        .map_err(|error| error.to_string())
}

/// The hub writes a POS order through its store.
fn takes_an_order(hub: &Hub) {
    let pos = claims("loc", Role::Pos, &[], "till", 60);
    let order = serde_json::from_value(serde_json::json!({
        "number": "1", "items": [{ "name": "Burger", "station": "grill" }]
    }))
    .expect("order");
    let created = hub.create_order(&pos, None, &order).expect("order");
    assert_eq!(created.status, 201, "{}", created.body);
}

fn another_ca() -> String {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Another CA");
    params.self_signed(&key).expect("CA").pem()
}

#[test]
fn a_hub_reaches_a_tls_only_server_only_through_a_verified_connection() {
    let (server, ca) = TempPostgres::start_tls_only().expect("throwaway PostgreSQL with TLS");
    let url = server.new_database().expect("database");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca_file = dir.path().join("db-ca.pem");
    std::fs::write(&ca_file, &ca).expect("CA file");
    let verified = format!(
        "{url}?sslmode=verify-full&sslrootcert={}",
        ca_file.display()
    );

    // Verified TLS: the store is migrated and an order is written through it.
    takes_an_order(&open(&verified).expect("a hub over TLS"));

    // The command a manager runs on the same address opens the same store.
    let token = std::process::Command::new(env!("CARGO_BIN_EXE_rail-hub"))
        .args([
            "token",
            "--store",
            &verified,
            "--location",
            "loc",
            "--role",
            "pos",
        ])
        .args(["--secret", "test-secret", "--db"])
        .arg(dir.path().join("unused.sqlite3"))
        .output()
        .expect("rail-hub token");
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    assert!(!token.stdout.is_empty());

    // Plain TCP: the server itself refuses, and says why.
    let plain = open(&url).err().expect("a plain connection is refused");
    assert!(plain.contains("no encryption"), "{plain}");

    // Another CA: the hub refuses the server's certificate.
    let other_file = dir.path().join("other-ca.pem");
    std::fs::write(&other_file, another_ca()).expect("other CA file");
    let other = open(&format!(
        "{url}?sslmode=verify-full&sslrootcert={}",
        other_file.display()
    ))
    .err()
    .expect("a certificate from an unknown CA is refused");
    assert!(
        other.contains("invalid peer certificate: UnknownIssuer"),
        "{other}"
    );

    // `require` is checked as strictly: the system's CAs do not know this server's.
    let unverified = open(&format!("{url}?sslmode=require"))
        .err()
        .expect("a certificate no system CA signed is refused");
    assert!(
        unverified.contains("invalid peer certificate"),
        "{unverified}"
    );

    // A name the certificate does not carry (it names 127.0.0.1 only).
    let by_name = verified.replace("127.0.0.1", "localhost");
    let wrong_name = open(&by_name)
        .err()
        .expect("a certificate for another name is refused");
    assert!(
        wrong_name.contains("not valid for name \"localhost\""),
        "{wrong_name}"
    );
}

/// A server that lets a client in only with a certificate from its CA naming the user
/// (`cert` authentication): the hub shows the one named in `sslcert` and `sslkey` and
/// is let in; without one, or with one from another CA, the server refuses and the hub
/// says why; a certificate without its key is refused before any connection.
#[test]
fn a_server_asking_for_a_client_certificate_takes_the_one_the_url_names() {
    let (server, certificates) = TempPostgres::start_verifying_clients()
        .expect("throwaway PostgreSQL asking for certificates");
    let url = server.new_database().expect("database");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("TLS file");
        path.display().to_string()
    };
    let ca = file("db-ca.pem", &certificates.ca);
    let cert = file("hub.crt", &certificates.client_cert);
    let key = file("hub.key", &certificates.client_key);
    let verified = format!("{url}?sslmode=verify-full&sslrootcert={ca}");

    takes_an_order(
        &open(&format!("{verified}&sslcert={cert}&sslkey={key}"))
            .expect("a hub with its certificate"),
    );

    let without = open(&verified).err().expect("no certificate, no entry");
    assert!(
        without.contains("connection requires a valid client certificate"),
        "{without}"
    );

    // A certificate and key of another CA's making.
    let key_pair = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "rail");
    let stranger = params.self_signed(&key_pair).expect("certificate");
    let stranger_cert = file("stranger.crt", &stranger.pem());
    let stranger_key = file("stranger.key", &key_pair.serialize_pem());
    let refused = open(&format!(
        "{verified}&sslcert={stranger_cert}&sslkey={stranger_key}"
    ))
    .err()
    .expect("a certificate the server's CA did not sign is refused");
    assert!(refused.contains("UnknownCA"), "{refused}");

    let half = open(&format!("{verified}&sslcert={cert}"))
        .err()
        .expect("a certificate without its key");
    assert!(half.contains("sslcert and sslkey go together"), "{half}");
    let mismatched = open(&format!("{verified}&sslcert={cert}&sslkey={stranger_key}"))
        .err()
        .expect("a key that is not the certificate's");
    assert!(mismatched.contains("do not go together"), "{mismatched}");
}
