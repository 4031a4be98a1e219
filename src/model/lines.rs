//! Line numbers of the fields of one document, recorded while it is loaded, so that a finding's
//! JSON pointer (`/spec/template/spec/containers/0/resources`) can be turned into the line of
//! that field in that copy of the object. Pure: it reads the text it is given.
//!
//! YAML is scanned by its block structure (indentation, `- ` items, `key:` entries); flow
//! collections, block scalars and multi-line quoted scalars are stepped over as one value. JSON
//! is scanned token by token. A pointer that is not written in the file resolves to its nearest
//! written ancestor, and finally to the document's first line.

/// Subtrees whose inner keys no finding points into: their own line is kept, not their
/// children's (labels and annotations can be many, status is never a finding's path).
const LEAF_KEYS: [&str; 7] = [
    "labels",
    "annotations",
    "matchLabels",
    "status",
    "data",
    "stringData",
    "managedFields",
];

/// Deepest pointer recorded (`/spec/template/spec/containers/0/readinessProbe/httpGet` is 7).
const MAX_DEPTH: usize = 8;

/// Pointer → line (1-based, in the file) for one object, held compactly as a tree: each field
/// is a node with its parent, its line and the end of its name in one shared string. About 16
/// bytes a field; a workload has a few dozen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Every field's last pointer segment, one after the other.
    names: Box<str>,
    nodes: Box<[Node]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Node {
    parent: u16,
    /// End of this node's name in `names` (it starts where the previous node's ends).
    end: u32,
    line: u32,
}

impl LineIndex {
    /// Builds the tree from (pointer, line) pairs in document order (a parent before its
    /// children). The first pair is the object itself (the empty pointer).
    fn from_entries(entries: &[(String, u32)]) -> LineIndex {
        let mut names = String::new();
        let mut nodes: Vec<Node> = Vec::with_capacity(entries.len());
        let mut by_pointer: std::collections::HashMap<&str, u16> =
            std::collections::HashMap::with_capacity(entries.len());
        for (p, line) in entries {
            if nodes.len() >= u16::MAX as usize {
                break;
            }
            let (parent, name) = match p.rfind('/') {
                None => (0u16, ""),
                Some(i) => match by_pointer.get(&p[..i]) {
                    Some(&parent) => (parent, &p[i + 1..]),
                    None => continue, // its parent was not recorded (too deep)
                },
            };
            if p.is_empty() && !nodes.is_empty() {
                continue;
            }
            names.push_str(name);
            by_pointer.insert(p.as_str(), nodes.len() as u16);
            nodes.push(Node {
                parent,
                end: names.len() as u32,
                line: *line,
            });
        }
        LineIndex {
            names: names.into_boxed_str(),
            nodes: nodes.into_boxed_slice(),
        }
    }

    fn name(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.nodes[i - 1].end as usize
        };
        self.names
            .get(start..self.nodes[i].end as usize)
            .unwrap_or_default()
    }

    /// Walks `pointer` down the tree: the deepest node reached, and whether it is the whole
    /// pointer.
    fn walk(&self, pointer: &str) -> Option<(usize, bool)> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut cur = 0usize;
        for seg in pointer.split('/').skip(1) {
            let child = (cur + 1..self.nodes.len())
                .find(|&i| self.nodes[i].parent as usize == cur && self.name(i) == seg);
            match child {
                Some(c) => cur = c,
                None => return Some((cur, false)),
            }
        }
        Some((cur, true))
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Sets the line of the document itself (the empty pointer).
    pub fn set_root(&mut self, line: u32) {
        if let Some(root) = self.nodes.first_mut() {
            root.line = line;
        }
    }

    /// The line where `pointer` is written, exactly.
    pub fn exact(&self, pointer: &str) -> Option<u32> {
        match self.walk(pointer)? {
            (n, true) => Some(self.nodes[n].line),
            _ => None,
        }
    }

    /// The line of `pointer`, or of its nearest ancestor that is written in the document.
    pub fn line_of(&self, pointer: &str) -> Option<u32> {
        self.walk(pointer).map(|(n, _)| self.nodes[n].line)
    }

    /// Heap bytes held (for the memory accounting of the snapshot).
    pub fn heap_bytes(&self) -> usize {
        self.names.len() + self.nodes.len() * std::mem::size_of::<Node>()
    }
}

fn escape_segment(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn is_leaf_key(key: &str) -> bool {
    LEAF_KEYS.contains(&key)
}

/// Which objects of a document to index: the whole document, or some items of a `kind: List`
/// (`items/N`), each indexed on its own with pointers relative to the item.
#[derive(Clone, Copy, Debug)]
pub enum Want<'a> {
    Whole,
    Items(&'a [usize]),
}

/// Gathers the (pointer, line) pairs of the wanted objects.
struct Collector<'a> {
    want: Want<'a>,
    out: Vec<(Option<usize>, Entries)>,
}

/// (pointer, line) pairs of one object, in document order.
type Entries = Vec<(String, u32)>;

impl<'a> Collector<'a> {
    fn new(want: Want<'a>, first_line: u32) -> Self {
        let out = match want {
            Want::Whole => vec![(None, vec![(String::new(), first_line)])],
            Want::Items(items) => items.iter().map(|&i| (Some(i), Vec::new())).collect(),
        };
        Collector { want, out }
    }

    fn emit(&mut self, ptr: &str, line: u32) {
        match self.want {
            Want::Whole => self.out[0].1.push((ptr.to_string(), line)),
            Want::Items(_) => {
                let Some(rest) = ptr.strip_prefix("/items/") else {
                    return;
                };
                let (num, tail) = match rest.find('/') {
                    Some(i) => (&rest[..i], &rest[i..]),
                    None => (rest, ""),
                };
                let Ok(n) = num.parse::<usize>() else { return };
                if let Some(slot) = self.out.iter_mut().find(|(i, _)| *i == Some(n)) {
                    slot.1.push((tail.to_string(), line));
                }
            }
        }
    }

    fn finish(self) -> Vec<(Option<usize>, LineIndex)> {
        self.out
            .into_iter()
            .map(|(i, e)| (i, LineIndex::from_entries(&e)))
            .collect()
    }
}

/// One container being walked: its column (YAML) and its pointer.
struct Frame {
    col: usize,
    ptr: String,
    seq: bool,
    next: usize,
    depth: usize,
    /// Inside a subtree whose children are not recorded.
    quiet: bool,
}

/// What the scanner must step over on the lines that follow a value: the rest of a value that
/// goes on past its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    None,
    /// A block scalar (`|`, `>`): lines deeper than this column, and blank lines.
    Deeper(usize),
    /// A quoted scalar that goes on past its line: until this quote closes it.
    Quote(char),
    /// A flow collection that goes on past its line: until the brackets balance.
    Flow(i32),
}

impl Skip {
    /// Whether `body` (a line without its newline) still belongs to the value; updates the
    /// state for the lines after it.
    pub fn inside(&mut self, body: &str) -> bool {
        match *self {
            Skip::Deeper(k) => {
                let col = body.len() - body.trim_start_matches(' ').len();
                if body.trim().is_empty() || col > k {
                    return true;
                }
                *self = Skip::None;
                false
            }
            Skip::Quote(q) => {
                if body.contains(q) {
                    *self = Skip::None;
                }
                true
            }
            Skip::Flow(d) => {
                let d = d + flow_balance(body);
                *self = if d > 0 { Skip::Flow(d) } else { Skip::None };
                true
            }
            Skip::None => false,
        }
    }

    /// What follows the line `content` (a line without its indentation), at column `col`: the
    /// value after `key:` or `- `, when it goes on past the line.
    pub fn after_line(content: &str, col: usize) -> Skip {
        // Fast path: most lines are `key: plain value` or `- plain`, which end on their line.
        // Only a value that starts with a quote, a bracket or a block indicator can go on.
        let b = content.as_bytes();
        let value_at = if matches!(b.first(), Some(b'-' | b'"' | b'\'')) {
            None
        } else {
            find_key_end(content)
                .map(|i| i + 2)
                .or_else(|| content.ends_with(':').then_some(content.len()))
        };
        if let Some(i) = value_at {
            let v = content[i..].trim_start_matches(' ');
            if !matches!(
                v.as_bytes().first(),
                Some(b'"' | b'\'' | b'[' | b'{' | b'|' | b'>' | b'&' | b'!')
            ) {
                return Skip::None;
            }
        }
        let mut rest = content;
        let mut col = col;
        loop {
            if let Some(r) = rest.strip_prefix("- ") {
                let r2 = r.trim_start_matches(' ');
                col += rest.len() - r2.len();
                rest = r2;
                continue;
            }
            break;
        }
        let value = match split_key(rest) {
            Some((_, v)) => v,
            None => strip_comment(rest).trim(),
        };
        skip_after(value, col)
    }
}

/// Splits `key: value` at the first `:` followed by a space or the end of the line, outside
/// quotes. Returns the key (unquoted) and the value (comment removed, trimmed).
fn split_key(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let (key, rest) = match b.first() {
        Some(q @ (b'"' | b'\'')) => {
            let close = s[1..].find(*q as char)? + 1;
            let after = &s[close + 1..];
            let after = after.trim_start_matches(' ');
            let rest = after.strip_prefix(':')?;
            if !(rest.is_empty() || rest.starts_with(' ')) {
                return None;
            }
            (&s[1..close], rest)
        }
        _ => {
            let mut i = 0;
            loop {
                let j = memchr::memchr(b':', &b[i..])? + i;
                let next = b.get(j + 1);
                if next.is_none() || next == Some(&b' ') || next == Some(&b'\t') {
                    let key = s[..j].trim_end();
                    if key.is_empty() || key.starts_with(['#', '{', '[', '&', '*', '!']) {
                        return None;
                    }
                    break (key, &s[j + 1..]);
                }
                i = j + 1;
            }
        }
    };
    Some((key, strip_comment(rest).trim()))
}

/// Where `": "` first occurs (`str::find` with a two-byte pattern sets up a substring search
/// for every line; this is one `memchr` for the rarer byte).
fn find_key_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    memchr::memchr_iter(b':', b).find(|&i| b.get(i + 1) == Some(&b' '))
}

/// Where `" #"` first occurs (a comment after a value), found as [`find_key_end`] is.
pub(super) fn find_comment(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    memchr::memchr_iter(b'#', b)
        .find(|&i| i > 0 && b[i - 1] == b' ')
        .map(|i| i - 1)
}

/// Removes a trailing ` # comment` outside quotes.
fn strip_comment(s: &str) -> &str {
    // Bytes, not chars: every byte looked for is ASCII, and no byte of a multi-byte character
    // is. The cut is at an ASCII '#', so on a character boundary.
    let mut quote: Option<u8> = None;
    let mut prev = b' ';
    for (i, &c) in s.as_bytes().iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'#' && (prev == b' ' || prev == b'\t') => return &s[..i],
            None => {}
        }
        prev = c;
    }
    s
}

/// Brackets opened minus closed on a line, outside quotes.
fn flow_balance(s: &str) -> i32 {
    let mut depth = 0;
    let mut quote: Option<u8> = None;
    // Bytes: every byte that counts is ASCII, and no byte of a multi-byte character is.
    for &c in s.as_bytes() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth -= 1,
                b'#' => break,
                _ => {}
            },
        }
    }
    depth
}

/// What follows a scalar value on later lines.
fn skip_after(value: &str, col: usize) -> Skip {
    // Anchors and tags come before the value proper.
    let mut v = value;
    while v.starts_with('&') || v.starts_with('!') {
        match v.find(' ') {
            Some(i) => v = v[i..].trim_start(),
            None => return Skip::None,
        }
    }
    match v.chars().next() {
        Some('|' | '>') => Skip::Deeper(col),
        Some(q @ ('"' | '\'')) => {
            let body = &v[1..];
            let closed = if q == '"' {
                let mut esc = false;
                body.chars().any(|c| {
                    let hit = c == '"' && !esc;
                    esc = c == '\\' && !esc;
                    hit
                })
            } else {
                body.contains('\'')
            };
            if closed {
                Skip::None
            } else {
                Skip::Quote(q)
            }
        }
        Some('[' | '{') => match flow_balance(v) {
            d if d > 0 => Skip::Flow(d),
            _ => Skip::None,
        },
        _ => Skip::None,
    }
}

/// True when the value is empty apart from an anchor or a tag: its content is on later lines.
fn opens_block(value: &str) -> bool {
    value
        .split_whitespace()
        .all(|t| t.starts_with('&') || t.starts_with('!'))
}

/// Indexes a YAML document. `first_line` is the file line of the text's first line.
/// Returns one index per wanted object: `None` for a whole document, `Some(i)` for item `i`.
pub fn index_yaml(text: &str, first_line: u32, want: Want) -> Vec<(Option<usize>, LineIndex)> {
    let mut out = Collector::new(want, first_line);
    let mut stack: Vec<Frame> = vec![Frame {
        col: 0,
        ptr: String::new(),
        seq: false,
        next: 0,
        depth: 0,
        quiet: false,
    }];
    // A key (or a `-` alone) whose value starts on a later line: its column and pointer.
    let mut pending: Option<(usize, String, usize, bool)> = None;
    let mut skip = Skip::None;
    for (n, raw) in text.lines().enumerate() {
        let line = first_line + n as u32;
        let body = raw.trim_end();
        let col = body.len() - body.trim_start_matches(' ').len();
        let content = &body[col..];
        if skip.inside(body) {
            continue;
        }
        if content.is_empty()
            || content.starts_with('#')
            || content == "---"
            || content.starts_with("--- ")
            || content == "..."
            || content.starts_with('%')
        {
            continue;
        }
        let mut col = col;
        let mut content = content;
        // A line may open several containers: `- - name: x`.
        loop {
            let item = content == "-" || content.starts_with("- ");
            if let Some((kc, ptr, depth, quiet)) = pending.take() {
                if col > kc || (col == kc && item) {
                    stack.push(Frame {
                        col,
                        ptr,
                        seq: item,
                        next: 0,
                        depth,
                        quiet,
                    });
                }
            }
            while stack.len() > 1 {
                let top = &stack[stack.len() - 1];
                if top.col > col || (top.col == col && top.seq && !item) {
                    stack.pop();
                } else {
                    break;
                }
            }
            let Some(top) = stack.last_mut() else { break };
            if top.col != col || top.seq != item {
                // A continuation of a multi-line plain scalar, or text the scanner does not
                // follow: it holds no field of its own.
                break;
            }
            if item {
                let idx = top.next;
                top.next += 1;
                let mut ptr = top.ptr.clone();
                ptr.push('/');
                ptr.push_str(&idx.to_string());
                let depth = top.depth + 1;
                let quiet = top.quiet || depth > MAX_DEPTH;
                if !quiet {
                    out.emit(&ptr, line);
                }
                let rest = content[1..].trim_start_matches(' ');
                let rest_col = col + (content.len() - rest.len());
                if rest.is_empty() || rest.starts_with('#') || opens_block(strip_comment(rest)) {
                    pending = Some((col, ptr, depth, quiet));
                    break;
                }
                if rest.starts_with("- ") || rest == "-" || split_key(rest).is_some() {
                    // The item's content starts on this line, one column in.
                    stack.push(Frame {
                        col: rest_col,
                        ptr,
                        seq: rest.starts_with('-'),
                        next: 0,
                        depth,
                        quiet,
                    });
                    col = rest_col;
                    content = rest;
                    continue;
                }
                skip = skip_after(strip_comment(rest).trim(), col);
                break;
            }
            let Some((key, value)) = split_key(content) else {
                break;
            };
            let mut ptr = top.ptr.clone();
            ptr.push('/');
            escape_segment(key, &mut ptr);
            let depth = top.depth + 1;
            let quiet_here = top.quiet || depth > MAX_DEPTH;
            if !quiet_here {
                out.emit(&ptr, line);
            }
            let quiet_below = quiet_here || is_leaf_key(key);
            if opens_block(value) {
                pending = Some((col, ptr, depth, quiet_below));
            } else {
                skip = skip_after(value, col);
            }
            break;
        }
    }
    out.finish()
}

/// Indexes a JSON document: the same result as [`index_yaml`] for JSON text.
pub fn index_json(text: &str, first_line: u32, want: Want) -> Vec<(Option<usize>, LineIndex)> {
    let mut out = Collector::new(want, first_line);
    // Each open container: its pointer, whether it is an array, its next index, its depth and
    // whether its children are recorded.
    struct J {
        ptr: String,
        array: bool,
        next: usize,
        quiet: bool,
        depth: usize,
    }
    let mut stack: Vec<J> = Vec::new();
    let mut line = first_line;
    let mut key: Option<String> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    // The pointer and flags of a value starting now, inside the current container.
    let value_ptr =
        |stack: &mut Vec<J>, key: &mut Option<String>| -> Option<(String, bool, usize, bool)> {
            let top = stack.last_mut()?;
            let mut ptr = top.ptr.clone();
            ptr.push('/');
            let leaf = if top.array {
                ptr.push_str(&top.next.to_string());
                top.next += 1;
                false
            } else {
                let k = key.take().unwrap_or_default();
                escape_segment(&k, &mut ptr);
                is_leaf_key(&k)
            };
            let depth = top.depth + 1;
            Some((ptr, top.quiet || depth > MAX_DEPTH, depth, leaf))
        };
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => line += 1,
            b'"' => {
                // A string: a key when a ':' follows, else a value.
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    if bytes[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let s = text.get(start..j.min(bytes.len())).unwrap_or("");
                let mut k = j + 1;
                while k < bytes.len() && matches!(bytes[k], b' ' | b'\t' | b'\r' | b'\n') {
                    k += 1;
                }
                let is_key = stack.last().is_some_and(|t| !t.array)
                    && key.is_none()
                    && bytes.get(k) == Some(&b':');
                if is_key {
                    key = Some(s.replace("\\\"", "\"").replace("\\\\", "\\"));
                } else if let Some((ptr, quiet, _, _)) = value_ptr(&mut stack, &mut key) {
                    if !quiet {
                        out.emit(&ptr, line);
                    }
                }
                i = j + 1;
                continue;
            }
            b'{' | b'[' => {
                let array = c == b'[';
                match value_ptr(&mut stack, &mut key) {
                    Some((ptr, quiet, depth, leaf)) => {
                        if !quiet {
                            out.emit(&ptr, line);
                        }
                        stack.push(J {
                            ptr,
                            array,
                            next: 0,
                            quiet: quiet || leaf,
                            depth,
                        });
                    }
                    None => stack.push(J {
                        ptr: String::new(),
                        array,
                        next: 0,
                        quiet: false,
                        depth: 0,
                    }),
                }
            }
            b'}' | b']' => {
                stack.pop();
                if stack.is_empty() {
                    break;
                }
            }
            b' ' | b'\t' | b'\r' | b',' | b':' => {}
            _ => {
                // A number, true, false or null.
                if let Some((ptr, quiet, _, _)) = value_ptr(&mut stack, &mut key) {
                    if !quiet {
                        out.emit(&ptr, line);
                    }
                }
                while i + 1 < bytes.len()
                    && !matches!(
                        bytes[i + 1],
                        b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'
                    )
                {
                    i += 1;
                }
            }
        }
        i += 1;
    }
    out.finish()
}

#[cfg(test)]
#[path = "lines_tests.rs"]
mod tests;
