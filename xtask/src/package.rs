//! `cargo xtask package`: the hub's `.deb` (binary, systemd unit with its own user and
//! hardening, `/etc/rail/hub.toml`, `/var/lib/rail`), built with `dpkg-deb` from a
//! staged tree, and the screen app's packages from Tauri's bundler. The test command
//! builds the hub's package from the debug binary and `tests/tests/package.rs` checks
//! it (lintian, unpacked and run, `systemd-analyze verify`) without installing it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::{run, Profile};

/// The Debian architecture of this machine (`amd64`, `arm64`, …).
fn architecture() -> anyhow::Result<String> {
    let output = Command::new("dpkg")
        .arg("--print-architecture")
        .output()
        .context("running dpkg --print-architecture")?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn version(root: &Path) -> anyhow::Result<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    manifest
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .context("no version in Cargo.toml")
}

fn copy(from: &Path, to: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(from, to).with_context(|| format!("copying {}", from.display()))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

fn gzip_into(text: &str, to: &Path) -> anyhow::Result<()> {
    gzip_bytes_into(text.as_bytes(), to)
}

fn gzip_bytes_into(bytes: &[u8], to: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let plain = to.with_extension("");
    std::fs::write(&plain, bytes)?;
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644))?;
    run(Command::new("gzip").args(["-9", "-n", "-f"]).arg(&plain))
}

/// The hub's package configuration: the sample with the packaged paths.
fn packaged_config(root: &Path) -> anyhow::Result<String> {
    let sample = std::fs::read_to_string(root.join("packaging/hub.toml"))?;
    Ok(sample.replace(
        "# Use: rail-hub serve --config /etc/rail/hub.toml",
        "# Installed by the rail-hub package; the service reads it (rail-hub.service).",
    ))
}

/// Builds `target/package/rail-hub_<version>_<arch>.deb` from the `profile` binary
/// (already built). Returns its path.
///
/// # Errors
/// When a file is missing or `dpkg-deb` fails.
pub fn hub_deb(root: &Path, profile: Profile) -> anyhow::Result<PathBuf> {
    let version = version(root)?;
    let arch = architecture()?;
    let out = root.join("target/package");
    let stage = out.join("rail-hub");
    if stage.exists() {
        std::fs::remove_dir_all(&stage)?;
    }
    let binary = root.join(match profile {
        Profile::Debug => "target/debug/rail-hub",
        Profile::Release => "target/release/rail-hub",
    });
    copy(&binary, &stage.join("usr/bin/rail-hub"), 0o755)?;
    // Debug information stays in the build tree; a package ships the code alone.
    run(Command::new("strip")
        .arg("--strip-unneeded")
        .arg(stage.join("usr/bin/rail-hub")))?;
    let manpage = Command::new(&binary)
        .arg("manpage")
        .output()
        .context("rendering the manual page")?;
    anyhow::ensure!(manpage.status.success(), "rail-hub manpage failed");
    gzip_bytes_into(
        &manpage.stdout,
        &stage.join("usr/share/man/man1/rail-hub.1.gz"),
    )?;
    copy(
        &root.join("packaging/rail-hub.service"),
        &stage.join("usr/lib/systemd/system/rail-hub.service"),
        0o644,
    )?;
    std::fs::create_dir_all(stage.join("etc/rail"))?;
    std::fs::write(stage.join("etc/rail/hub.toml"), packaged_config(root)?)?;
    copy(
        &root.join("packaging/deb/copyright"),
        &stage.join("usr/share/doc/rail-hub/copyright"),
        0o644,
    )?;
    copy(
        &root.join("docs/deploy.md"),
        &stage.join("usr/share/doc/rail-hub/README.md"),
        0o644,
    )?;
    gzip_into(
        &format!(
            "rail ({version}) stable; urgency=medium\n\n  * Release {version}.\n\n -- Rail developers <dev@rail.invalid>  Sun, 06 Dec 2026 00:00:00 +0000\n"
        ),
        &stage.join("usr/share/doc/rail-hub/changelog.gz"),
    )?;
    let debian = stage.join("DEBIAN");
    for script in ["postinst", "prerm", "postrm"] {
        copy(
            &root.join("packaging/deb").join(script),
            &debian.join(script),
            0o755,
        )?;
    }
    std::fs::write(debian.join("conffiles"), "/etc/rail/hub.toml\n")?;
    let installed_kib = dir_size(&stage)? / 1024;
    std::fs::write(
        debian.join("control"),
        format!(
            "Package: rail-hub\n\
             Version: {version}\n\
             Architecture: {arch}\n\
             Maintainer: Rail developers <dev@rail.invalid>\n\
             Installed-Size: {installed_kib}\n\
             Depends: libc6 (>= 2.34), libgcc-s1, adduser\n\
             Section: net\n\
             Priority: optional\n\
             Description: Rail hub: orders from the POS to the kitchen screens\n \
             The realtime server of the Rail kitchen display system: POSes post orders\n \
             (or print them to its printer ports), kitchen screens follow their\n \
             stations over WebSocket and bump tickets back, exactly once, across\n \
             outages. Serves HTTPS with a certificate authority of its own, pairs\n \
             screens by code and has an admin page for the manager.\n"
        ),
    )?;
    let deb = out.join(format!("rail-hub_{version}_{arch}.deb"));
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zxz", "--build"])
        .arg(&stage)
        .arg(&deb))?;
    eprintln!("==> {}", deb.display());
    Ok(deb)
}

fn dir_size(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

/// `cargo xtask package`: release builds of the hub's `.deb` and the app's `.deb`
/// (Tauri's bundler), their contents listed.
///
/// # Errors
/// When a build fails.
pub fn package(root: &Path) -> anyhow::Result<()> {
    run(Command::new("cargo")
        .args(["build", "--release", "--bins", "-p", "rail-hub"])
        .current_dir(root))?;
    let hub = hub_deb(root, Profile::Release)?;
    run(Command::new(root.join("ui/node_modules/.bin/tauri"))
        .args(["build", "--bundles", "deb"])
        .current_dir(root)
        .env("CI", "true"))?;
    let bundles = root.join("target/release/bundle/deb");
    let app = std::fs::read_dir(&bundles)
        .with_context(|| format!("reading {}", bundles.display()))?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "deb"))
        .context("Tauri made no .deb")?;
    for deb in [&hub, &app] {
        eprintln!("==> {}", deb.display());
        run(Command::new("dpkg-deb").arg("--contents").arg(deb))?;
    }
    Ok(())
}
