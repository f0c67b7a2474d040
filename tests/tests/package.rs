//! The hub's Debian package, as the test command builds it (`cargo xtask test` packages
//! the debug binary first): lintian finds no error, its contents and modes are what a
//! kitchen installs, the packaged `rail-hub` runs from an unpacked tree against the
//! packaged configuration, and systemd accepts its unit — all without installing
//! anything on the machine running the tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rail_tests::{spawn_announced_after, target_dir};

/// The package `cargo xtask test` built.
fn hub_deb() -> PathBuf {
    let dir = target_dir()
        .parent()
        .map(|target| target.join("package"))
        .expect("target dir");
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}; build it with `cargo xtask test`", dir.display()))
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rail-hub_") && n.ends_with(".deb"))
        })
        .unwrap_or_else(|| {
            panic!(
                "no rail-hub .deb in {}; run `cargo xtask test`",
                dir.display()
            )
        })
}

fn output(command: &mut Command) -> (bool, String) {
    let output = command.output().expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn unpack(deb: &Path, root: &Path) {
    let (ok, text) = output(Command::new("dpkg-deb").arg("-x").arg(deb).arg(root));
    assert!(ok, "dpkg-deb -x: {text}");
}

#[test]
fn lintian_finds_no_error_in_the_hub_package() {
    let deb = hub_deb();
    // A debug build is unstripped and bigger than a release one: those are warnings,
    // not errors, and the release package (cargo xtask package) is stripped.
    let (ok, text) = output(
        Command::new("lintian")
            .args(["--fail-on", "error", "--no-tag-display-limit"])
            .arg(&deb),
    );
    assert!(ok, "lintian found errors:\n{text}");
    assert!(!text.contains("E: "), "lintian errors:\n{text}");
}

#[test]
fn the_package_holds_the_binary_unit_configuration_and_scripts() {
    let deb = hub_deb();
    let (ok, contents) = output(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    assert!(ok, "{contents}");
    for (path, mode) in [
        ("./usr/bin/rail-hub", "-rwxr-xr-x"),
        ("./usr/lib/systemd/system/rail-hub.service", "-rw-r--r--"),
        ("./etc/rail/hub.toml", "-rw-r--r--"),
        ("./usr/share/doc/rail-hub/copyright", "-rw-r--r--"),
        ("./usr/share/doc/rail-hub/README.md", "-rw-r--r--"),
    ] {
        let line = contents
            .lines()
            .find(|l| l.ends_with(path))
            .unwrap_or_else(|| panic!("{path} missing:\n{contents}"));
        assert!(line.starts_with(mode), "{path}: {line}");
        assert!(
            line.contains("root/root"),
            "{path} not owned by root: {line}"
        );
    }
    let (_, info) = output(Command::new("dpkg-deb").arg("--info").arg(&deb));
    for needed in [
        "Package: rail-hub",
        "conffiles",
        "postinst",
        "Depends: libc6",
    ] {
        assert!(info.contains(needed), "{needed} missing:\n{info}");
    }
    let dir = tempfile::tempdir().expect("dir");
    let (ok, _) = output(
        Command::new("dpkg-deb")
            .arg("--control")
            .arg(&deb)
            .arg(dir.path().join("DEBIAN")),
    );
    assert!(ok);
    let conffiles =
        std::fs::read_to_string(dir.path().join("DEBIAN/conffiles")).expect("conffiles");
    assert_eq!(
        conffiles.trim(),
        "/etc/rail/hub.toml",
        "upgrades keep the kitchen's configuration"
    );
    let postinst = std::fs::read_to_string(dir.path().join("DEBIAN/postinst")).expect("postinst");
    assert!(postinst.contains("adduser --system") && postinst.contains("rail-hub"));
    let (ok, text) = output(
        Command::new("sh")
            .arg("-n")
            .arg(dir.path().join("DEBIAN/postinst")),
    );
    assert!(ok, "postinst is not valid sh: {text}");
}

#[tokio::test]
async fn the_packaged_hub_runs_with_the_packaged_configuration() {
    let root = tempfile::tempdir().expect("root");
    unpack(&hub_deb(), root.path());
    let data = tempfile::tempdir().expect("data");
    // The packaged configuration as installed, with the database (and so the hub's
    // CA) in a scratch directory instead of /var/lib/rail, and a free loopback port.
    let mut command = Command::new(root.path().join("usr/bin/rail-hub"));
    command
        .args([
            "serve",
            "--mdns",
            "off",
            "--listen",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(root.path().join("etc/rail/hub.toml"))
        .arg("--db")
        .arg(data.path().join("hub.sqlite3"))
        .env("RUST_LOG", "warn");
    let (mut child, url, announced) =
        spawn_announced_after(&mut command, "rail-hub listening on ", 16)
            .expect("packaged hub starts");
    let result = async {
        anyhow::ensure!(url.starts_with("https://"), "the packaged hub serves {url}");
        anyhow::ensure!(
            announced
                .iter()
                .any(|l| l.starts_with("rail-hub certificate fingerprint ")),
            "{announced:?}"
        );
        let ca = std::fs::read_to_string(data.path().join("tls/ca.pem"))?;
        let client = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(ca.as_bytes())?])
            .timeout(Duration::from_secs(10))
            .build()?;
        let health = client.get(format!("{url}/healthz")).send().await?;
        anyhow::ensure!(health.status() == 200, "healthz: {}", health.status());
        let page = client.get(format!("{url}/admin")).send().await?;
        anyhow::ensure!(
            page.status() == 200,
            "the admin page is in the binary: {}",
            page.status()
        );
        anyhow::Ok(())
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result.expect("packaged hub");
}

#[test]
fn systemd_accepts_the_packaged_unit() {
    let root = tempfile::tempdir().expect("root");
    unpack(&hub_deb(), root.path());
    let unit = root.path().join("usr/lib/systemd/system/rail-hub.service");
    let unit_text = std::fs::read_to_string(&unit).expect("unit");
    // systemd checks that the command exists; the package is not installed here, so
    // the copy checked runs the unpacked binary. Everything else is the packaged unit.
    let binary = root.path().join("usr/bin/rail-hub");
    let checked = root.path().join("rail-hub.service");
    std::fs::write(
        &checked,
        unit_text.replace(
            "ExecStart=/usr/bin/rail-hub",
            &format!("ExecStart={}", binary.display()),
        ),
    )
    .expect("write");
    let (ok, text) = output(
        Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(&checked),
    );
    // It exits 0 even for a setting it cannot parse (it ignores it), so any word from
    // it about the unit is a failure too.
    assert!(
        ok && text.trim().is_empty(),
        "systemd-analyze verify:\n{text}"
    );
    for hardening in [
        "User=rail-hub",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "CapabilityBoundingSet=",
        "StateDirectoryMode=0700",
        "UMask=0077",
    ] {
        assert!(unit_text.contains(hardening), "{hardening} missing");
    }
}
