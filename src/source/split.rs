//! Cutting a file or a stream into documents at `---` (YAML) or between values (JSON), line by
//! line with a bound on a line's length, in batches for the decoding threads of `offline.rs`.

use super::offline::{Doc, BATCH};
use crate::model::docs::separator;
use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc;

pub(super) fn split_docs(
    file: u32,
    reader: Box<dyn Read + Send>,
    seq: &mut usize,
    tx: &mpsc::SyncSender<Vec<Doc>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    // UTF-16 files (with a byte-order mark) are converted whole; UTF-8 is streamed.
    let head = reader.fill_buf()?;
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    // Text has no NUL byte: a binary is refused from its first bytes, not read whole.
    if !utf16 {
        if let Some(at) = head.iter().position(|&b| b == 0) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("a binary file (a NUL byte at offset {at}), not YAML or JSON text"),
            ));
        }
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        let mut all = Vec::new();
        (&mut reader).take(MAX_UTF16).read_to_end(&mut all)?;
        if all.len() as u64 >= MAX_UTF16 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a UTF-16 file over {} MiB: convert it to UTF-8",
                    MAX_UTF16 >> 20
                ),
            ));
        }
        let le = all.starts_with(&[0xFF, 0xFE]);
        let units: Vec<u16> = all[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        let text = String::from_utf16_lossy(&units);
        return split_reader(
            file,
            BufReader::new(std::io::Cursor::new(text.into_bytes())),
            seq,
            tx,
        );
    }
    split_reader(file, reader, seq, tx)
}

/// The longest line kvet reads (etcd refuses objects over 1.5 MiB; a line past this is not a
/// manifest), and the largest UTF-16 file, which is converted whole.
const MAX_LINE: usize = 16 << 20;
const MAX_UTF16: u64 = 256 << 20;

/// `read_until(b'\n')` that gives up on a line longer than [`MAX_LINE`] or holding a NUL byte.
fn read_line_capped<R: BufRead>(reader: &mut R, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let avail = reader.fill_buf()?;
        if avail.is_empty() {
            return Ok(total);
        }
        // One vectorised pass finds the end of the line or a NUL byte, whichever comes first.
        let (chunk, done) = match memchr::memchr2(b'\n', 0, avail) {
            Some(i) if avail[i] == 0 => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "a NUL byte: binary data, not YAML or JSON text",
                ));
            }
            Some(i) => (&avail[..=i], true),
            None => (avail, false),
        };
        buf.extend_from_slice(chunk);
        let n = chunk.len();
        reader.consume(n);
        total += n;
        if buf.len() > MAX_LINE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("a line over {} MiB: not a manifest", MAX_LINE >> 20),
            ));
        }
        if done {
            return Ok(total);
        }
    }
}

/// Cuts JSON text into its values: a file or a `---` section may hold several concatenated
/// values (`kubectl get -o json` gives one). `base` is the line the text starts on.
fn push_json(
    file: u32,
    text: String,
    base: u32,
    cur_bad: &mut Option<u32>,
    batch: &mut Vec<Doc>,
    seq: &mut usize,
) {
    let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    let mut offset = 0usize;
    loop {
        let start_line = base + text[..offset].matches('\n').count() as u32;
        match stream.next() {
            None => break,
            Some(Ok(v)) => {
                let end = stream.byte_offset();
                batch.push(Doc {
                    seq: *seq,
                    file,
                    start: start_line,
                    // Kept for the line index of the fields (see `locate`).
                    text: text[offset..end].to_string(),
                    json: true,
                    value: Some(v),
                    bad_utf8: cur_bad.take(),
                });
                *seq += 1;
                offset = end;
            }
            Some(Err(e)) => {
                // Hand the broken rest to the decoder so that the error carries its line.
                let _ = e;
                batch.push(Doc {
                    seq: *seq,
                    file,
                    start: start_line,
                    text: text[offset..].to_string(),
                    json: true,
                    value: None,
                    bad_utf8: None,
                });
                *seq += 1;
                break;
            }
        }
    }
}

fn split_reader<R: BufRead>(
    file: u32,
    mut reader: R,
    seq: &mut usize,
    tx: &mpsc::SyncSender<Vec<Doc>>,
) -> std::io::Result<()> {
    let mut batch: Vec<Doc> = Vec::with_capacity(BATCH);
    let mut buf: Vec<u8> = Vec::new();
    let mut cur = String::new();
    let mut cur_start: u32 = 1;
    let mut cur_bad: Option<u32> = None;
    let mut line_no: u32 = 0;
    let mut json: Option<bool> = None;
    let mut json_start: u32 = 1;
    let flush = |text: &mut String,
                 start: u32,
                 bad: &mut Option<u32>,
                 json: bool,
                 batch: &mut Vec<Doc>,
                 seq: &mut usize|
     -> bool {
        if !text.trim().is_empty() || bad.is_some() {
            batch.push(Doc {
                seq: *seq,
                file,
                start,
                text: std::mem::take(text),
                json,
                value: None,
                bad_utf8: bad.take(),
            });
            *seq += 1;
            if batch.len() >= BATCH {
                return tx.send(std::mem::take(batch)).is_ok();
            }
        } else {
            text.clear();
        }
        true
    };
    loop {
        buf.clear();
        let n = read_line_capped(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let mut bytes: &[u8] = &buf;
        if line_no == 1 && bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            bytes = &bytes[3..];
        }
        let line = match std::str::from_utf8(bytes) {
            Ok(l) => std::borrow::Cow::Borrowed(l),
            Err(_) => {
                cur_bad.get_or_insert(line_no - cur_start + 1);
                String::from_utf8_lossy(bytes)
            }
        };
        if json.is_none() {
            let t = line.trim_start();
            if !t.is_empty() && !t.starts_with('#') {
                json = Some(t.starts_with('{'));
            }
        }
        if json == Some(true) {
            // JSON is YAML: a `---` line (never inside a JSON value) starts the next document.
            if separator(&line).is_some() {
                push_json(
                    file,
                    std::mem::take(&mut cur),
                    json_start,
                    &mut cur_bad,
                    &mut batch,
                    seq,
                );
                json_start = line_no + 1;
                json = None;
                cur_start = line_no;
                continue;
            }
            cur.push_str(&line);
            continue;
        }
        if let Some(rest) = separator(&line) {
            if !flush(&mut cur, cur_start, &mut cur_bad, false, &mut batch, seq) {
                return Ok(());
            }
            cur_start = line_no;
            cur.push_str(rest);
            cur.push('\n');
            continue;
        }
        cur.push_str(&line);
    }
    if json == Some(true) {
        push_json(
            file,
            std::mem::take(&mut cur),
            json_start,
            &mut cur_bad,
            &mut batch,
            seq,
        );
    } else {
        flush(&mut cur, cur_start, &mut cur_bad, false, &mut batch, seq);
    }
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
    Ok(())
}
