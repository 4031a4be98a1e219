//! The full reachability matrix (`kvet reach --matrix`, goal G5): every pod class against every
//! pod class on one port, with the same semantics as [`Engine::decide`] but computed with
//! bitsets, so that it costs about one pass per rule and per class instead of one decision per
//! pair.
//!
//! - Classes with the same namespace, labels and container ports are one class (with their
//!   addresses too, when some peer matches addresses); a pod template stands for its pods.
//! - Each peer's set of classes is computed once (identical peers share it), namespace
//!   selectors once per namespace.
//! - Each side is the tier logic of `Side::allows` over sets: the admin rules in order (first
//!   match decides, Pass hands over), then the NetworkPolicies when one isolates the pod, else
//!   the baseline rules, else everything.
//! - The answer is row-major (row = source). Ingress sides are computed per destination, 64 at a
//!   time, and turned into row bits with 64×64 bit transposes.

use super::admin::admin_ports_match;
use super::{
    ip_block_matches, ip_block_selects_pod, ports_match, Endpoint, Engine, PodClass, Protocol,
};
use crate::model::{AdminAction, AdminNetworkPolicy, AdminPeer, AdminRule, Peer, PolicyRule};
use std::collections::HashMap;
use std::rc::Rc;

type Bits = Vec<u64>;

/// The answer: `allowed(from, to)` over the classes given to [`matrix`].
pub struct Matrix {
    /// For each class given, its merged class.
    class_of: Vec<usize>,
    /// The merged classes.
    pub merged: usize,
    words: usize,
    /// rows[from * words + to / 64] bit to % 64.
    rows: Vec<u64>,
}

impl Matrix {
    pub fn allowed(&self, from: usize, to: usize) -> bool {
        let (f, t) = (self.class_of[from], self.class_of[to]);
        self.rows[f * self.words + t / 64] >> (t % 64) & 1 == 1
    }

    /// Bytes held by the answer.
    pub fn bytes(&self) -> usize {
        self.rows.len() * 8 + self.class_of.len() * std::mem::size_of::<usize>()
    }
}

fn ones(n: usize) -> Bits {
    let mut b = vec![!0u64; n.div_ceil(64)];
    if !n.is_multiple_of(64) {
        if let Some(last) = b.last_mut() {
            *last = (1u64 << (n % 64)) - 1;
        }
    }
    b
}

fn and_into(a: &mut [u64], b: &[u64]) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x &= y);
}

fn or_into(a: &mut [u64], b: &[u64]) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x |= y);
}

/// Transposes a 64×64 bit block in place: bit c of row r goes to bit r of row c (the
/// recursive block swap of Hacker's Delight, §7-3, for least-significant-bit-first columns).
pub fn transpose64(a: &mut [u64; 64]) {
    let mut j = 32usize;
    let mut m: u64 = 0x0000_0000_FFFF_FFFF;
    while j != 0 {
        let mut k = 0usize;
        while k < 64 {
            let t = ((a[k] >> j) ^ a[k + j]) & m;
            a[k] ^= t << j;
            a[k + j] ^= t;
            k = (k + j + 1) & !j;
        }
        j >>= 1;
        m ^= m << j;
    }
}

struct Ctx<'e, 's> {
    engine: &'e Engine<'s>,
    classes: Vec<PodClass>,
    eps: Vec<Endpoint>,
    n: usize,
    port: u16,
    protocol: Protocol,
    /// Namespace → its classes, and its labels.
    groups: Vec<(Rc<str>, Vec<usize>, crate::model::Labels)>,
    peers: HashMap<String, Rc<Bits>>,
    ports: HashMap<String, Rc<Bits>>,
}

/// Merges classes that no policy can tell apart; returns the merged classes and, for each class
/// given, its merged class.
fn merge(engine: &Engine, classes: &[PodClass]) -> (Vec<PodClass>, Vec<usize>) {
    let snap = engine.snapshot();
    let by_address = snap.netpols.iter().any(|p| {
        p.ingress
            .iter()
            .chain(&p.egress)
            .any(|r| r.peers.iter().any(|x| x.ip_block.is_some()))
    }) || snap.admin_netpols.iter().any(|a| {
        a.egress
            .iter()
            .any(|r| r.peers.iter().any(|x| matches!(x, AdminPeer::Networks(_))))
    });
    let mut merged: Vec<PodClass> = Vec::new();
    let mut seen: HashMap<(&str, &crate::model::Labels, String), usize> = HashMap::new();
    let mut class_of = Vec::with_capacity(classes.len());
    for c in classes {
        let ips = if by_address {
            format!("{:?}", c.ips)
        } else {
            String::new()
        };
        let key = (&*c.namespace, &c.labels, format!("{:?}{ips}", c.ports));
        let i = *seen.entry(key).or_insert_with(|| {
            merged.push(c.clone());
            merged.len() - 1
        });
        class_of.push(i);
    }
    (merged, class_of)
}

/// The matrix over `classes` on `port`/`protocol`.
pub fn matrix(engine: &Engine, classes: &[PodClass], port: u16, protocol: Protocol) -> Matrix {
    let (merged, class_of) = merge(engine, classes);
    let n = merged.len();
    let words = n.div_ceil(64);
    let mut by_ns: HashMap<Rc<str>, Vec<usize>> = HashMap::new();
    for (i, c) in merged.iter().enumerate() {
        by_ns.entry(Rc::from(&*c.namespace)).or_default().push(i);
    }
    let groups = by_ns
        .into_iter()
        .map(|(ns, members)| {
            let labels = engine.namespace_labels(&ns);
            (ns, members, labels)
        })
        .collect();
    let mut cx = Ctx {
        engine,
        eps: merged.iter().cloned().map(Endpoint::Pod).collect(),
        classes: merged,
        n,
        port,
        protocol,
        groups,
        peers: HashMap::new(),
        ports: HashMap::new(),
    };
    // Egress rows first: row s holds the destinations s may send to.
    let mut rows = Vec::with_capacity(n * words);
    let all = ones(n);
    for s in 0..n {
        match cx.side(s, false) {
            Some(b) => rows.extend_from_slice(&b),
            None => rows.extend_from_slice(&all),
        }
    }
    // Then ingress, 64 destinations at a time, transposed into the rows.
    for chunk in 0..words {
        let sides: Vec<Option<Bits>> = (chunk * 64..(chunk * 64 + 64).min(n))
            .map(|d| cx.side(d, true))
            .collect();
        if sides.iter().all(Option::is_none) {
            continue;
        }
        for sw in 0..words {
            let mut block = [0u64; 64];
            for (i, side) in sides.iter().enumerate() {
                block[i] = side.as_ref().map_or(!0, |b| b[sw]);
            }
            for b in block.iter_mut().skip(sides.len()) {
                *b = !0;
            }
            if block.iter().all(|w| *w == !0) {
                continue;
            }
            transpose64(&mut block);
            for (j, w) in block.iter().enumerate() {
                let s = sw * 64 + j;
                if s < n {
                    rows[s * words + chunk] &= w;
                }
            }
        }
    }
    Matrix {
        class_of,
        merged: n,
        words,
        rows,
    }
}

impl Ctx<'_, '_> {
    fn zeros(&self) -> Bits {
        vec![0; self.n.div_ceil(64)]
    }

    /// The classes a NetworkPolicy peer admits.
    fn np_peer(&mut self, peer: &Peer, policy_ns: &str) -> Rc<Bits> {
        let key = if peer.namespace_selector.is_none() && peer.ip_block.is_none() {
            format!("np {policy_ns} {peer:?}")
        } else {
            format!("np {peer:?}")
        };
        if let Some(b) = self.peers.get(&key) {
            return b.clone();
        }
        let mut bits = self.zeros();
        if let Some(block) = &peer.ip_block {
            for (i, c) in self.classes.iter().enumerate() {
                if ip_block_selects_pod(&block.cidr, &block.except, &c.ips) {
                    bits[i / 64] |= 1 << (i % 64);
                }
            }
        } else {
            for (ns, members, labels) in &self.groups {
                let ns_ok = match &peer.namespace_selector {
                    Some(sel) => sel.matches(labels),
                    None => **ns == *policy_ns,
                };
                if !ns_ok {
                    continue;
                }
                for &i in members {
                    if peer
                        .pod_selector
                        .as_ref()
                        .is_none_or(|s| s.matches(&self.classes[i].labels))
                    {
                        bits[i / 64] |= 1 << (i % 64);
                    }
                }
            }
        }
        let b = Rc::new(bits);
        self.peers.insert(key, b.clone());
        b
    }

    /// The classes an admin peer matches.
    fn admin_peer(&mut self, peer: &AdminPeer) -> Rc<Bits> {
        let key = format!("admin {peer:?}");
        if let Some(b) = self.peers.get(&key) {
            return b.clone();
        }
        let mut bits = self.zeros();
        match peer {
            AdminPeer::Networks(cidrs) => {
                for (i, c) in self.classes.iter().enumerate() {
                    if c.ips
                        .iter()
                        .any(|ip| cidrs.iter().any(|cidr| ip_block_matches(cidr, &[], *ip)))
                    {
                        bits[i / 64] |= 1 << (i % 64);
                    }
                }
            }
            AdminPeer::Namespaces(_) | AdminPeer::Pods { .. } => {
                for (_, members, _) in &self.groups {
                    for &i in members {
                        if self.engine.admin_selects(peer, &self.classes[i]) {
                            bits[i / 64] |= 1 << (i % 64);
                        }
                    }
                }
            }
            AdminPeer::Nodes(_) | AdminPeer::Unknown => {}
        }
        let b = Rc::new(bits);
        self.peers.insert(key, b.clone());
        b
    }

    /// Egress: the destinations whose ports a rule's port list admits (named ports are the
    /// destination's). Identical port lists share one set.
    fn port_bits(&mut self, key: String, admits: impl Fn(&Endpoint) -> bool) -> Rc<Bits> {
        if let Some(b) = self.ports.get(&key) {
            return b.clone();
        }
        let mut bits = self.zeros();
        for (i, ep) in self.eps.iter().enumerate() {
            if admits(ep) {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        let b = Rc::new(bits);
        self.ports.insert(key, b.clone());
        b
    }

    fn np_ports(&mut self, r: &PolicyRule) -> Rc<Bits> {
        let (port, protocol) = (self.port, self.protocol);
        self.port_bits(format!("np {:?}", r.ports), |ep| {
            ports_match(&r.ports, ep, port, protocol)
        })
    }

    fn admin_ports(&mut self, r: &AdminRule) -> Rc<Bits> {
        let (port, protocol) = (self.port, self.protocol);
        self.port_bits(format!("admin {:?}", r.ports), |ep| {
            admin_ports_match(&r.ports, ep, port, protocol)
        })
    }

    /// What an admin rule matches from class `me`'s side: the other ends, with the port test
    /// (ingress: on `me`; egress: on each destination).
    fn admin_rule(&mut self, r: &AdminRule, me: usize, ingress: bool) -> (AdminAction, Bits) {
        if r.peers.contains(&AdminPeer::Unknown) && r.action != AdminAction::Allow {
            return (AdminAction::Deny, ones(self.n));
        }
        let mut m = self.zeros();
        for p in &r.peers {
            let b = self.admin_peer(p);
            or_into(&mut m, &b);
        }
        if ingress {
            if !admin_ports_match(&r.ports, &self.eps[me], self.port, self.protocol) {
                return (r.action, self.zeros());
            }
        } else {
            let ports = self.admin_ports(r);
            and_into(&mut m, &ports);
        }
        (r.action, m)
    }

    /// Applies admin rules in order to the still undecided ends: allowed ones join `allow`,
    /// passed ones join `pass` (when given), and every matched end leaves `undecided`.
    fn admin_pass(
        &mut self,
        policies: &[&AdminNetworkPolicy],
        me: usize,
        ingress: bool,
        undecided: &mut Bits,
        allow: &mut Bits,
        mut pass: Option<&mut Bits>,
    ) {
        for a in policies {
            if !self.engine.admin_selects(&a.subject, &self.classes[me]) {
                continue;
            }
            let rules = if ingress { &a.ingress } else { &a.egress };
            for r in rules {
                let (action, mut m) = self.admin_rule(r, me, ingress);
                and_into(&mut m, undecided);
                match action {
                    AdminAction::Allow => or_into(allow, &m),
                    AdminAction::Pass => {
                        if let Some(p) = pass.as_deref_mut() {
                            or_into(p, &m);
                        }
                    }
                    AdminAction::Deny => {}
                }
                undecided.iter_mut().zip(&m).for_each(|(u, x)| *u &= !x);
            }
        }
    }

    /// One side of class `me`: the other ends it admits (ingress: sources; egress:
    /// destinations), or None when it admits every end.
    fn side(&mut self, me: usize, ingress: bool) -> Option<Bits> {
        let engine = self.engine;
        let pod = self.classes[me].clone();
        let mut np_rules: Vec<(&PolicyRule, &str)> = Vec::new();
        let mut isolated = false;
        for p in engine.selecting(&pod) {
            let (isolates, rules) = if ingress {
                (p.ingress_isolation, &p.ingress)
            } else {
                (p.egress_isolation, &p.egress)
            };
            if isolates {
                isolated = true;
                np_rules.extend(rules.iter().map(|r| (r, p.meta.namespace())));
            }
        }
        let admin_applies = engine
            .admin
            .iter()
            .any(|a| engine.admin_selects(&a.subject, &pod));
        let baseline = engine
            .baseline
            .filter(|b| !isolated && engine.admin_selects(&b.subject, &pod));
        if !admin_applies && !isolated && baseline.is_none() {
            return None;
        }
        let mut undecided = ones(self.n);
        let mut allow = self.zeros();
        let mut pass = self.zeros();
        if admin_applies {
            let admin = engine.admin.clone();
            self.admin_pass(
                &admin,
                me,
                ingress,
                &mut undecided,
                &mut allow,
                Some(&mut pass),
            );
        }
        // What the admin tier did not decide, and what it passed on.
        or_into(&mut undecided, &pass);
        if isolated {
            let mut admitted = self.zeros();
            for (r, ns) in np_rules {
                let mut m = if r.peers.is_empty() {
                    ones(self.n)
                } else {
                    let mut m = self.zeros();
                    for p in &r.peers {
                        let b = self.np_peer(p, ns);
                        or_into(&mut m, &b);
                    }
                    m
                };
                if ingress {
                    if !ports_match(&r.ports, &self.eps[me], self.port, self.protocol) {
                        continue;
                    }
                } else {
                    let ports = self.np_ports(r);
                    and_into(&mut m, &ports);
                }
                or_into(&mut admitted, &m);
            }
            and_into(&mut undecided, &admitted);
            or_into(&mut allow, &undecided);
        } else if let Some(b) = baseline {
            // The baseline's first matching rule decides; what it does not match is allowed.
            self.admin_pass(&[b], me, ingress, &mut undecided, &mut allow, None);
            or_into(&mut allow, &undecided);
        } else {
            or_into(&mut allow, &undecided);
        }
        Some(allow)
    }
}

#[cfg(test)]
mod tests {
    use super::transpose64;

    #[test]
    fn transpose64_moves_every_bit_across_the_diagonal() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut a = [0u64; 64];
        for w in a.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *w = seed;
        }
        let orig = a;
        transpose64(&mut a);
        for (r, row) in orig.iter().enumerate() {
            for (c, col) in a.iter().enumerate() {
                assert_eq!(row >> c & 1, col >> r & 1, "bit ({r}, {c})");
            }
        }
    }
}
