//! I/O. The journal file (JSON Lines, 0600 in a 0700 directory) and its signing key.
//!
//! Each entry is signed with HMAC-SHA256 under a per-user key of 32 random bytes
//! (`journal.key` in the state directory, 0600). Undo sends nothing from an entry whose
//! signature does not verify. Lines that are not valid UTF-8 or not an entry are reported and
//! skipped; the rest of the journal still reads.

use crate::fix::journal::Entry;
use ring::hmac;
use std::io::Write;
use std::path::PathBuf;

/// The journal file: `$KVET_DATA_DIR/journal.jsonl`, else the user's data directory.
pub fn journal_path() -> Result<PathBuf, String> {
    if let Some(d) = std::env::var_os("KVET_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("journal.jsonl"));
    }
    directories::ProjectDirs::from("", "", "kvet")
        .map(|p| p.data_dir().join("journal.jsonl"))
        .ok_or_else(|| "no data directory for the journal (set KVET_DATA_DIR)".into())
}

/// The signing key's file: `journal.key` in the state directory.
fn key_path() -> Result<PathBuf, String> {
    crate::private_files::state_dir()
        .map(|d| d.join("journal.key"))
        .ok_or_else(|| "no state directory for the journal key (set KVET_STATE_DIR)".into())
}

/// The user's journal key, created on first use.
fn key() -> Result<hmac::Key, String> {
    let path = key_path()?;
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut b = vec![0u8; 32];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
                .map_err(|_| "no random bytes for the journal key".to_string())?;
            crate::private_files::create_new(&path, &b)?;
            b
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    if bytes.len() < 32 {
        return Err(format!(
            "{}: the journal key is shorter than 32 bytes; remove it to start a new one (existing entries can then no longer be undone)",
            path.display()
        ));
    }
    Ok(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
}

fn payload(entry: &Entry) -> Result<String, String> {
    let mut e = entry.clone();
    e.mac = None;
    serde_json::to_string(&e).map_err(|e| e.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs an entry: sets its `mac`.
pub fn sign(entry: &mut Entry) -> Result<(), String> {
    let tag = hmac::sign(&key()?, payload(entry)?.as_bytes());
    entry.mac = Some(hex(tag.as_ref()));
    Ok(())
}

/// Whether the entry is as kvet wrote it.
pub fn verify(entry: &Entry) -> Result<(), String> {
    let Some(mac) = entry.mac.as_deref() else {
        return Err(format!(
            "journal entry {} has no signature (written by an older kvet, or by hand): kvet sends nothing from it",
            entry.id
        ));
    };
    let tag = (0..mac.len())
        .step_by(2)
        .map(|i| {
            mac.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .unwrap_or_default();
    hmac::verify(&key()?, payload(entry)?.as_bytes(), &tag).map_err(|_| {
        format!(
            "journal entry {} was changed after kvet wrote it (its signature does not verify): kvet sends nothing from it",
            entry.id
        )
    })
}

/// Before anything is sent: the journal and its key can be written, so an applied fix always
/// has its undo. A fix is refused when this fails.
pub fn check_writable() -> Result<(), String> {
    let path = journal_path()?;
    crate::private_files::open_append(&path)
        .map_err(|e| format!("the journal cannot be written, so no fix is applied: {e}"))?;
    key().map_err(|e| {
        format!("the journal key cannot be read or created, so no fix is applied: {e}")
    })?;
    Ok(())
}

/// Signs and appends one entry (one JSON line).
pub fn append(entry: &Entry) -> Result<(), String> {
    let path = journal_path()?;
    let mut entry = entry.clone();
    sign(&mut entry)?;
    let mut f = crate::private_files::open_append(&path)?;
    let line = serde_json::to_string(&entry).map_err(|e| e.to_string())?;
    writeln!(f, "{line}").map_err(|e| format!("{}: {e}", path.display()))
}

/// Every entry, oldest first. Lines that cannot be read are reported, not fatal.
pub fn read_journal() -> Result<(Vec<Entry>, Vec<String>), String> {
    let path = journal_path()?;
    let bytes = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let Ok(line) = std::str::from_utf8(line) else {
            bad.push(format!(
                "{}:{}: not UTF-8; line skipped",
                path.display(),
                i + 1
            ));
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(e) => out.push(e),
            Err(e) => bad.push(format!("{}:{}: {e}; line skipped", path.display(), i + 1)),
        }
    }
    Ok((out, bad))
}

/// `YYYY-MM-DDTHH:MM:SSZ`, now, UTC.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        let t = now_utc();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
    }
}
