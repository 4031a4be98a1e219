//! The terminal edge of every headless command: stdout and stderr pass through one writer that
//! applies `text::escape_output`, so no string from a cluster or a file (RBAC verbs, annotations,
//! patch values, error messages) can reach a terminal raw, whichever code path printed it.

use std::io::{self, Write};

pub struct SafeWriter<'a> {
    inner: &'a mut dyn Write,
    /// The start of a UTF-8 sequence that the next write completes.
    pending: Vec<u8>,
}

impl<'a> SafeWriter<'a> {
    pub fn new(inner: &'a mut dyn Write) -> Self {
        SafeWriter {
            inner,
            pending: Vec::new(),
        }
    }

    fn drain(&mut self, at_end: bool) -> io::Result<()> {
        let mut out = String::new();
        let mut rest: &[u8] = &self.pending;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(&crate::text::escape_output(s));
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (ok, tail) = rest.split_at(e.valid_up_to());
                    // The prefix was just checked to be UTF-8.
                    out.push_str(&crate::text::escape_output(
                        std::str::from_utf8(ok).unwrap_or_default(),
                    ));
                    match e.error_len() {
                        Some(n) => {
                            for b in &tail[..n] {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                            rest = &tail[n..];
                        }
                        None if at_end => {
                            for b in tail {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                            rest = &[];
                            break;
                        }
                        None => {
                            rest = tail;
                            break;
                        }
                    }
                }
            }
        }
        let keep = rest.to_vec();
        self.pending = keep;
        self.inner.write_all(out.as_bytes())
    }
}

impl Write for SafeWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Drop for SafeWriter<'_> {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let _ = self.drain(true);
        }
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::SafeWriter;
    use std::io::Write;

    #[test]
    fn split_sequences_and_controls_are_escaped_once() {
        let mut buf = Vec::new();
        {
            let mut w = SafeWriter::new(&mut buf);
            let s = "ok \u{202E} \x1b]52;c;aGk=\x07 é\n".as_bytes();
            // Write byte by byte: every UTF-8 sequence arrives split.
            for b in s {
                let _ = w.write_all(&[*b]);
            }
            let _ = w.write_all(&[0xff]);
        }
        let text = String::from_utf8(buf).unwrap_or_default();
        assert_eq!(text, "ok \\u202e \\u001b]52;c;aGk=\\u0007 é\n\\xff");
    }
}
