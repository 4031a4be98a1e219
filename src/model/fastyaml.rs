//! A fast path for the YAML that manifests are made of: block mappings and sequences, one-line
//! flow collections, plain and quoted one-line scalars. It deserializes straight into the serde
//! shapes of `wire.rs`, skipping unread subtrees by indentation without parsing them.
//!
//! It is an optimisation, never a second opinion: on anything outside that subset (anchors,
//! aliases, tags, block scalars, multi-line scalars or flow collections, scalars whose type the
//! YAML schemas disagree on) or on any type mismatch it gives up, and the document is parsed by
//! serde-saphyr, which also produces the error messages. A test holds the two to the same
//! projections on the corpus and on mutations of it.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use std::borrow::Cow;
use std::fmt;

/// Why the fast path gave up. Never shown: the caller falls back to the full parser.
#[derive(Debug)]
pub struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("outside the fast YAML subset")
    }
}

impl std::error::Error for GiveUp {}

impl de::Error for GiveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GiveUp
    }
}

type R<T> = Result<T, GiveUp>;

/// One content line: its indentation and its text (no indentation, no line break).
#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    next: usize,
}

/// Deserializes one document, or gives up.
pub fn from_str<'a, T: serde::Deserialize<'a>>(text: &'a str) -> R<T> {
    let mut lines = Vec::with_capacity(text.len() / 24);
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let body = raw.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if body.starts_with('\t') || body.starts_with('%') {
            return Err(GiveUp);
        }
        let indent = raw.len() - body.len();
        if indent == 0 && (body.starts_with("---") || body.starts_with("...")) {
            if body.trim_end() == "---" {
                continue;
            }
            return Err(GiveUp);
        }
        lines.push(Line {
            indent,
            text: body.trim_end(),
        });
    }
    let first = lines.first().copied().ok_or(GiveUp)?;
    if first.indent != 0 || split_key(first.text)?.is_none() {
        return Err(GiveUp); // only a mapping at the top
    }
    let mut p = Parser { lines, next: 0 };
    let v = T::deserialize(ValueDe {
        p: &mut p,
        val: Val::Block,
        col: 0,
        top: true,
    })?;
    if p.next != p.lines.len() {
        return Err(GiveUp);
    }
    Ok(v)
}

/// Splits `key: rest` (a block mapping entry). `Ok(None)`: the line is not an entry.
fn split_key(s: &str) -> R<Option<(Cow<'_, str>, &str)>> {
    let b = s.as_bytes();
    match b.first() {
        None => return Ok(None),
        Some(b'"' | b'\'') => {
            let (key, used) = quoted(s)?;
            let rest = s[used..].trim_start_matches(' ');
            return match rest.strip_prefix(':') {
                Some(r) if r.is_empty() || r.starts_with(' ') => Ok(Some((key, r))),
                _ => Ok(None),
            };
        }
        Some(b'-') if b.len() == 1 || b[1] == b' ' => return Ok(None),
        Some(b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?') => {
            return Ok(None)
        }
        _ => {}
    }
    let mut i = 0;
    while let Some(j) = memchr::memchr(b':', &b[i..]) {
        let at = i + j;
        match b.get(at + 1) {
            None | Some(b' ') => {
                let key = &s[..at];
                let comment = key.as_bytes().windows(2).any(|w| w == b" #");
                if comment || key.ends_with(' ') {
                    return Err(GiveUp);
                }
                return Ok(Some((Cow::Borrowed(key), &s[at + 1..])));
            }
            _ => i = at + 1,
        }
    }
    Ok(None)
}

/// A quoted scalar at the start of `s`: its value and the bytes it took. Gives up on a quote
/// that does not close on the line, and on escapes outside the common set.
fn quoted(s: &str) -> R<(Cow<'_, str>, usize)> {
    let q = s.as_bytes()[0];
    let body = &s[1..];
    if q == b'\'' {
        let mut out: Option<String> = None;
        let mut i = 0;
        let b = body.as_bytes();
        while i < b.len() {
            if b[i] == b'\'' {
                if b.get(i + 1) == Some(&b'\'') {
                    let o = out.get_or_insert_with(|| body[..i].to_string());
                    o.push('\'');
                    i += 2;
                    continue;
                }
                let v = match out {
                    Some(o) => Cow::Owned(o),
                    None => Cow::Borrowed(&body[..i]),
                };
                return Ok((v, i + 2));
            }
            if let Some(o) = out.as_mut() {
                let c = body[i..].chars().next().ok_or(GiveUp)?;
                o.push(c);
                i += c.len_utf8();
            } else {
                i += 1;
            }
        }
        return Err(GiveUp);
    }
    // Double quotes.
    let Some(end) = body.find(['"', '\\']) else {
        return Err(GiveUp);
    };
    if body.as_bytes()[end] == b'"' {
        return Ok((Cow::Borrowed(&body[..end]), end + 2));
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((Cow::Owned(out), i + 2)),
            '\\' => {
                let (_, e) = chars.next().ok_or(GiveUp)?;
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    ' ' => ' ',
                    'u' => {
                        let hex: String =
                            (0..4).filter_map(|_| chars.next().map(|x| x.1)).collect();
                        let n = u32::from_str_radix(&hex, 16).map_err(|_| GiveUp)?;
                        char::from_u32(n).ok_or(GiveUp)?
                    }
                    _ => return Err(GiveUp),
                });
            }
            c => out.push(c),
        }
    }
    Err(GiveUp)
}

/// Removes a trailing ` # comment` from the text after a value that is not quoted.
fn uncomment(s: &str) -> &str {
    match super::lines::find_comment(s) {
        Some(i) => s[..i].trim_end(),
        None => s.trim_end(),
    }
}

/// What a value is, before it is read.
#[derive(Clone, Copy)]
enum Val<'a> {
    /// On the line of its key or dash: a scalar or a one-line flow collection.
    Inline(&'a str),
    /// On the lines below (deeper than `col`, or a sequence at `col`), or null when none.
    Block,
}

/// The type a plain scalar has in the YAML core schema. `Err` for the few spellings the YAML
/// versions read differently (`yes`, `0x1F`, `1e3`, `.5`, ...): the full parser decides those.
enum Plain<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

fn plain(s: &str) -> R<Plain<'_>> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Plain::Null),
        "true" | "True" | "TRUE" => return Ok(Plain::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Plain::Bool(false)),
        "yes" | "Yes" | "YES" | "no" | "No" | "NO" | "on" | "On" | "ON" | "off" | "Off" | "OFF"
        | "y" | "Y" | "n" | "N" => return Err(GiveUp),
        _ => {}
    }
    let b = s.as_bytes();
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let u = unsigned.as_bytes();
    if !u.is_empty() && u.iter().all(u8::is_ascii_digit) {
        if u.len() > 1 && u[0] == b'0' {
            return Err(GiveUp); // octal in YAML 1.1
        }
        return s.parse::<i64>().map(Plain::Int).map_err(|_| GiveUp);
    }
    let digit_first = u.first().is_some_and(u8::is_ascii_digit);
    if let Some((int, frac)) = unsigned.split_once('.').filter(|_| digit_first) {
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
        let leading_zero = int.len() > 1 && int.starts_with('0');
        if digits(int) && digits(frac) && !leading_zero {
            return s.parse::<f64>().map(Plain::Float).map_err(|_| GiveUp);
        }
    }
    if number_like(s) {
        return Err(GiveUp);
    }
    // Indicators that cannot start a plain scalar, and text a parser reads otherwise.
    if matches!(
        b[0],
        b'@' | b'`'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'%'
            | b'?'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'"'
            | b'\''
    ) || (b[0] == b'-' && b.get(1) == Some(&b' '))
        // A tab, or ": " or a final ':' (a mapping key), in one pass.
        || b.iter().enumerate().any(|(i, &c)| {
            c == b'\t' || (c == b':' && b.get(i + 1).is_none_or(|&n| n == b' '))
        })
    {
        return Err(GiveUp);
    }
    Ok(Plain::Str(s))
}

/// Spellings that some YAML schema reads as a number (YAML 1.1 or 1.2): hex, octal and binary
/// integers, underscores, exponents, sexagesimal, `.inf` and `.nan`. The fast path leaves them to
/// the full parser rather than guess.
fn number_like(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    if t.eq_ignore_ascii_case(".inf") || t.eq_ignore_ascii_case(".nan") {
        return true;
    }
    let b = t.as_bytes();
    if b.is_empty() || !(b[0].is_ascii_digit() || b[0] == b'.') {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("0x")
        .or_else(|| lower.strip_prefix("0o"))
        .or_else(|| lower.strip_prefix("0b"))
    {
        return !rest.is_empty() && rest.bytes().all(|c| c.is_ascii_hexdigit() || c == b'_');
    }
    // Digits, at most one dot, underscores, colons (base 60), and one exponent.
    let (mantissa, exp) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
    });
    exp_ok
        && mantissa.bytes().filter(|&c| c == b'.').count() <= 1
        && mantissa.bytes().any(|c| c.is_ascii_digit())
        && mantissa
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'_' | b':'))
}

fn visit_scalar<'de, V: Visitor<'de>>(text: &'de str, v: V) -> R<V::Value> {
    match text.as_bytes().first() {
        Some(b'"' | b'\'') => {
            let (s, used) = quoted(text)?;
            let rest = text[used..].trim_start();
            if !(rest.is_empty() || rest.starts_with('#')) {
                return Err(GiveUp);
            }
            match s {
                Cow::Borrowed(b) => v.visit_borrowed_str(b),
                Cow::Owned(o) => v.visit_string(o),
            }
        }
        _ => match plain(uncomment(text))? {
            Plain::Null => v.visit_unit(),
            Plain::Bool(b) => v.visit_bool(b),
            Plain::Int(i) => v.visit_i64(i),
            Plain::Float(f) => v.visit_f64(f),
            Plain::Str(s) => v.visit_borrowed_str(s),
        },
    }
}

struct ValueDe<'p, 'a> {
    p: &'p mut Parser<'a>,
    val: Val<'a>,
    /// Column of the key (or dash) the value belongs to.
    col: usize,
    /// The document itself (a mapping at column 0).
    top: bool,
}

impl<'a> ValueDe<'_, 'a> {
    /// For a block value: the line it starts on, and whether it is a sequence.
    fn block_start(&self) -> Option<(Line<'a>, bool)> {
        let l = *self.p.lines.get(self.p.next)?;
        let dash = l.text == "-" || l.text.starts_with("- ");
        if self.top || l.indent > self.col || (l.indent == self.col && dash) {
            Some((l, dash))
        } else {
            None
        }
    }

    /// An inline scalar must not go on to the next line (a multi-line plain scalar).
    fn check_no_continuation(&self) -> R<()> {
        match self.p.lines.get(self.p.next) {
            Some(l) if l.indent > self.col => Err(GiveUp),
            _ => Ok(()),
        }
    }
}

impl<'de, 'p> Deserializer<'de> for ValueDe<'p, 'de> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> R<V::Value> {
        match self.val {
            Val::Inline(text) => {
                self.check_no_continuation()?;
                match text.as_bytes().first() {
                    Some(b'{' | b'[') => {
                        let mut f = Flow { s: text, i: 0 };
                        let out = f.value(v)?;
                        let rest = f.s[f.i..].trim_start();
                        if rest.is_empty() || rest.starts_with('#') {
                            Ok(out)
                        } else {
                            Err(GiveUp)
                        }
                    }
                    Some(b'|' | b'>' | b'&' | b'*' | b'!') => Err(GiveUp),
                    _ => visit_scalar(text, v),
                }
            }
            Val::Block => match self.block_start() {
                None => v.visit_unit(),
                Some((l, true)) => v.visit_seq(SeqAcc {
                    p: self.p,
                    indent: l.indent,
                }),
                Some((l, false)) => {
                    if split_key(l.text)?.is_some() {
                        v.visit_map(MapAcc {
                            p: self.p,
                            col: l.indent,
                            pending: None,
                        })
                    } else {
                        // A scalar alone on the line below its key.
                        self.p.next += 1;
                        let de = ValueDe {
                            p: self.p,
                            val: Val::Inline(l.text),
                            col: l.indent,
                            top: false,
                        };
                        de.deserialize_any(v)
                    }
                }
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> R<V::Value> {
        let null = match self.val {
            Val::Block => self.block_start().is_none(),
            Val::Inline(t) => {
                !t.starts_with(['"', '\'', '{', '['])
                    && matches!(plain(uncomment(t)), Ok(Plain::Null))
            }
        };
        if null {
            if let Val::Inline(_) = self.val {
                self.check_no_continuation()?;
            }
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> R<V::Value> {
        // Walked, not skipped: a malformed line in a subtree kvet does not read must still
        // send the document to the full parser, which rejects it. Walking allocates nothing.
        self.deserialize_any(de::IgnoredAny)?;
        v.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> R<V::Value> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> R<V::Value> {
        Err(GiveUp)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct MapAcc<'p, 'a> {
    p: &'p mut Parser<'a>,
    col: usize,
    pending: Option<Val<'a>>,
}

impl<'de> MapAccess<'de> for MapAcc<'_, 'de> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> R<Option<K::Value>> {
        let Some(l) = self.p.lines.get(self.p.next).copied() else {
            return Ok(None);
        };
        if l.indent < self.col
            || (l.indent == self.col && (l.text == "-" || l.text.starts_with("- ")))
        {
            return Ok(None);
        }
        if l.indent > self.col {
            return Err(GiveUp); // a line the previous value did not account for
        }
        let (key, rest) = split_key(l.text)?.ok_or(GiveUp)?;
        self.p.next += 1;
        let rest = rest.trim_start_matches(' ');
        self.pending = Some(if rest.is_empty() || rest.starts_with('#') {
            Val::Block
        } else {
            Val::Inline(rest)
        });
        if !matches!(key, Cow::Owned(_)) && !matches!(plain(&key), Ok(Plain::Str(_))) {
            // A key the schemas would read as a number, a boolean or null.
            if !l.text.starts_with(['"', '\'']) {
                return Err(GiveUp);
            }
        }
        match key {
            Cow::Borrowed(k) => seed.deserialize(de::value::BorrowedStrDeserializer::new(k)),
            Cow::Owned(k) => seed.deserialize(k.into_deserializer()),
        }
        .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> R<S::Value> {
        let val = self.pending.take().ok_or(GiveUp)?;
        seed.deserialize(ValueDe {
            p: self.p,
            val,
            col: self.col,
            top: false,
        })
    }
}

struct SeqAcc<'p, 'a> {
    p: &'p mut Parser<'a>,
    indent: usize,
}

impl<'de> SeqAccess<'de> for SeqAcc<'_, 'de> {
    type Error = GiveUp;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> R<Option<S::Value>> {
        let i = self.p.next;
        let Some(l) = self.p.lines.get(i).copied() else {
            return Ok(None);
        };
        if l.indent < self.indent {
            return Ok(None);
        }
        let dash = l.text == "-" || l.text.starts_with("- ");
        if l.indent > self.indent || !dash {
            if l.indent == self.indent {
                return Ok(None); // the parent mapping goes on at this column
            }
            return Err(GiveUp);
        }
        let rest = l.text[1..].trim_start_matches(' ');
        if rest.is_empty() || rest.starts_with('#') {
            self.p.next += 1;
            return seed
                .deserialize(ValueDe {
                    p: self.p,
                    val: Val::Block,
                    col: self.indent,
                    top: false,
                })
                .map(Some);
        }
        let col = l.indent + (l.text.len() - rest.len());
        let nested = rest == "-" || rest.starts_with("- ") || split_key(rest)?.is_some();
        if nested {
            // `- key: v` (or `- - x`): the item is a block node that starts on this line, one
            // column in. The line is rewritten as if it held only that node.
            self.p.lines[i] = Line {
                indent: col,
                text: rest,
            };
            return seed
                .deserialize(ValueDe {
                    p: self.p,
                    val: Val::Block,
                    col: self.indent,
                    top: false,
                })
                .map(Some);
        }
        self.p.next += 1;
        seed.deserialize(ValueDe {
            p: self.p,
            val: Val::Inline(rest),
            col: self.indent,
            top: false,
        })
        .map(Some)
    }
}

/// A flow collection or scalar inside one line: `{cpu: 100m, memory: 1Gi}`, `[a, 'b']`.
struct Flow<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Flow<'a> {
    fn skip_ws(&mut self) {
        while self.s.as_bytes().get(self.i) == Some(&b' ') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    /// A plain scalar in flow context: up to `,`, `]`, `}` or `: `.
    fn plain_text(&mut self) -> &'a str {
        let start = self.i;
        let b = self.s.as_bytes();
        while let Some(&c) = b.get(self.i) {
            if matches!(c, b',' | b']' | b'}' | b'[' | b'{') {
                break;
            }
            // A key's colon, and the same in a value (`{a: b: c}` is refused later).
            if c == b':' && matches!(b.get(self.i + 1), None | Some(b' ' | b',' | b']' | b'}')) {
                break;
            }
            if c == b'#' && self.i > start && b[self.i - 1] == b' ' {
                break;
            }
            self.i += 1;
        }
        self.s[start..self.i].trim_end()
    }

    fn value<V: Visitor<'a>>(&mut self, v: V) -> R<V::Value> {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                let out = v.visit_map(FlowMap {
                    f: self,
                    first: true,
                })?;
                self.skip_ws();
                if self.peek() != Some(b'}') {
                    return Err(GiveUp);
                }
                self.i += 1;
                Ok(out)
            }
            Some(b'[') => {
                self.i += 1;
                let out = v.visit_seq(FlowSeq {
                    f: self,
                    first: true,
                })?;
                self.skip_ws();
                if self.peek() != Some(b']') {
                    return Err(GiveUp);
                }
                self.i += 1;
                Ok(out)
            }
            Some(b'"' | b'\'') => {
                let (s, used) = quoted(&self.s[self.i..])?;
                self.i += used;
                match s {
                    Cow::Borrowed(b) => v.visit_borrowed_str(b),
                    Cow::Owned(o) => v.visit_string(o),
                }
            }
            Some(_) => {
                let t = self.plain_text();
                match plain(t)? {
                    Plain::Null => v.visit_unit(),
                    Plain::Bool(b) => v.visit_bool(b),
                    Plain::Int(n) => v.visit_i64(n),
                    Plain::Float(x) => v.visit_f64(x),
                    Plain::Str(s) => v.visit_borrowed_str(s),
                }
            }
            None => Err(GiveUp),
        }
    }

    /// Before an entry: a comma unless it is the first. Returns false at the closing bracket.
    fn next_entry(&mut self, first: &mut bool, close: u8) -> R<bool> {
        self.skip_ws();
        if self.peek() == Some(close) {
            return Ok(false);
        }
        if !*first {
            if self.peek() != Some(b',') {
                return Err(GiveUp);
            }
            self.i += 1;
            self.skip_ws();
            if self.peek() == Some(close) {
                return Ok(false); // a trailing comma
            }
        }
        *first = false;
        Ok(true)
    }
}

struct FlowDe<'f, 'a> {
    f: &'f mut Flow<'a>,
}

impl<'de> Deserializer<'de> for FlowDe<'_, 'de> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> R<V::Value> {
        self.f.value(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> R<V::Value> {
        self.f.skip_ws();
        let save = self.f.i;
        if !matches!(self.f.peek(), Some(b'"' | b'\'' | b'{' | b'[')) {
            let t = self.f.plain_text();
            if matches!(plain(t), Ok(Plain::Null)) {
                return v.visit_none();
            }
            self.f.i = save;
        }
        v.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> R<V::Value> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> R<V::Value> {
        Err(GiveUp)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct FlowMap<'f, 'a> {
    f: &'f mut Flow<'a>,
    first: bool,
}

impl<'de> MapAccess<'de> for FlowMap<'_, 'de> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> R<Option<K::Value>> {
        if !self.f.next_entry(&mut self.first, b'}')? {
            return Ok(None);
        }
        let key = match self.f.peek() {
            Some(b'"' | b'\'') => {
                let (k, used) = quoted(&self.f.s[self.f.i..])?;
                self.f.i += used;
                k
            }
            _ => {
                let k = self.f.plain_text();
                if !matches!(plain(k), Ok(Plain::Str(_))) {
                    return Err(GiveUp);
                }
                Cow::Borrowed(k)
            }
        };
        self.f.skip_ws();
        if self.f.peek() != Some(b':') {
            return Err(GiveUp);
        }
        self.f.i += 1;
        match key {
            Cow::Borrowed(k) => seed.deserialize(de::value::BorrowedStrDeserializer::new(k)),
            Cow::Owned(k) => seed.deserialize(k.into_deserializer()),
        }
        .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> R<S::Value> {
        seed.deserialize(FlowDe { f: self.f })
    }
}

struct FlowSeq<'f, 'a> {
    f: &'f mut Flow<'a>,
    first: bool,
}

impl<'de> SeqAccess<'de> for FlowSeq<'_, 'de> {
    type Error = GiveUp;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> R<Option<S::Value>> {
        if !self.f.next_entry(&mut self.first, b']')? {
            return Ok(None);
        }
        seed.deserialize(FlowDe { f: self.f }).map(Some)
    }
}

#[cfg(test)]
#[path = "fastyaml_tests.rs"]
mod tests;
