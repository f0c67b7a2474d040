//! The database holds the token-signing secret, so it is readable by the hub's user
//! only: a data directory the hub creates is 0700, and the database and its WAL and
//! shared-memory files are 0600 (SQLite gives the files it creates the database
//! file's mode; files left by an older, laxer hub are tightened on start).

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::StoreError;

/// The database file and its companions.
fn files(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

fn failed(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Permissions {
        path: path.display().to_string(),
        source,
    }
}

/// Creates the directory (0700) and file (0600) of `path` if missing and makes the
/// file and its companions 0600.
///
/// # Errors
/// When a directory or file cannot be created or its mode set.
pub(super) fn prepare(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(failed(dir))?;
        }
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(failed(path))?;
    for file in files(path) {
        if file.exists() {
            std::fs::set_permissions(&file, Permissions::from_mode(0o600))
                .map_err(failed(&file))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn the_database_and_a_new_data_directory_are_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("var/lib/rail");
        let path = data.join("hub.sqlite3");
        let store = crate::store::Store::open(&path).expect("store");
        store
            .conn()
            .execute("INSERT INTO meta (key, value) VALUES ('k', 'v')", ())
            .expect("write");
        assert_eq!(mode(&data), 0o700);
        for file in files(&path) {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }

    #[test]
    fn a_world_readable_database_is_tightened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hub.sqlite3");
        drop(crate::store::Store::open(&path).expect("store"));
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).expect("chmod");
        drop(crate::store::Store::open(&path).expect("store"));
        assert_eq!(mode(&path), 0o600);
    }
}
