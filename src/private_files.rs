//! I/O. Files that hold contexts, users, whole patches or a signing key: the journal, its key and
//! the log. They are created 0600 in 0700 directories, and existing ones are tightened to that.

use std::fs::{File, OpenOptions};
use std::path::Path;

/// Creates `dir` (and its parents) and makes it 0700.
pub fn ensure_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    set_mode(dir, 0o700)
}

/// Opens `path` for appending, creating it 0600 (and tightening an existing file to 0600).
pub fn open_append(path: &Path) -> Result<File, String> {
    if let Some(dir) = path.parent() {
        ensure_dir(dir)?;
    }
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    set_mode(path, 0o600)?;
    Ok(f)
}

/// Writes a new file 0600 that must not exist yet (a key).
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        ensure_dir(dir)?;
    }
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .permissions()
        .mode()
        & 0o777;
    if current != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("{}: cannot make it {mode:o}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<(), String> {
    Ok(())
}

/// kvet's state directory: `$KVET_STATE_DIR`, else the platform's (`~/.local/state/kvet`). The
/// log and the journal's signing key live there.
pub fn state_dir() -> Option<std::path::PathBuf> {
    if let Some(d) = std::env::var_os("KVET_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(d.into());
    }
    let dirs = directories::ProjectDirs::from("io", "kvet", "kvet")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}
