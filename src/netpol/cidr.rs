//! CIDR blocks, IPv4 and IPv6. Host bits are masked, as the API server treats them.

use std::net::IpAddr;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    /// The network address as a 128-bit number (IPv4 in the low 32 bits).
    bits: u128,
    prefix: u8,
    v6: bool,
}

fn to_bits(ip: IpAddr) -> (u128, bool) {
    match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)), false),
        IpAddr::V6(a) => (u128::from(a), true),
    }
}

fn mask(width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let all: u128 = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    all & !((1u128 << (width - prefix)) - 1)
}

impl Cidr {
    fn width(&self) -> u8 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let (bits, v6) = to_bits(ip);
        if v6 != self.v6 {
            return false;
        }
        bits & mask(self.width(), self.prefix) == self.bits
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not a CIDR (ADDRESS/PREFIX)"))?;
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| format!("{addr:?} is not an IP address"))?;
        let (bits, v6) = to_bits(ip);
        let width = if v6 { 128 } else { 32 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= width)
            .ok_or_else(|| format!("{prefix:?} is not a prefix length for {addr}"))?;
        Ok(Cidr {
            bits: bits & mask(width, prefix),
            prefix,
            v6,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("{s}"))
    }

    #[test]
    fn v4_blocks_with_host_bits_are_masked() {
        let c: Cidr = "10.1.2.3/16".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(c.contains(ip("10.1.200.9")));
        assert!(!c.contains(ip("10.2.0.1")));
        assert!(!c.contains(ip("::ffff:10.1.0.1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(all.contains(ip("203.0.113.7")));
        let one: Cidr = "192.0.2.1/32".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(one.contains(ip("192.0.2.1")) && !one.contains(ip("192.0.2.2")));
    }

    #[test]
    fn v6_blocks() {
        let c: Cidr = "2001:db8::1/32".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(c.contains(ip("2001:db8:ffff::1")));
        assert!(!c.contains(ip("2001:db9::1")));
        assert!(!c.contains(ip("10.0.0.1")));
        let all: Cidr = "::/0".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(all.contains(ip("fe80::1")));
        let host: Cidr = "2001:db8::1/128".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(host.contains(ip("2001:db8::1")) && !host.contains(ip("2001:db8::2")));
    }

    #[test]
    fn bad_blocks_are_refused() {
        for s in ["10.0.0.0", "10.0.0.0/33", "x/8", "::/129", "10.0.0.0/-1"] {
            assert!(s.parse::<Cidr>().is_err(), "{s}");
        }
    }
}
