//! What keeps webhooks safe: the Standard Webhooks signature, the signing secrets, and the
//! guard that keeps deliveries away from the internal network (SSRF).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the decoded secret.
#[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> String {
    let key = secret_key(secret);
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC accepts any key length");
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

fn secret_key(secret: &str) -> Vec<u8> {
    let b64 = secret.strip_prefix("whsec_").unwrap_or(secret);
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap_or_else(|_| secret.as_bytes().to_vec())
}

pub(crate) fn new_secret() -> String {
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

/// Whether an address is one a webhook must not reach: loopback, private, link-local (and so
/// the cloud metadata service), shared (CGNAT), multicast, unspecified or reserved.
pub fn is_internal_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let seg = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
            if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
                let o = v6.octets();
                return internal_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local, incl. fd00:ec2::254
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || v6 == Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1)
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10, shared address space
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24, protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15, benchmarking
        || o[0] >= 240 // reserved
}

/// A URL a webhook may be sent to: http(s), a host, no credentials; returns host and port.
fn parse_target(raw: &str) -> Result<(url::Url, String, u16), String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// URL".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials; the signature authenticates us".into());
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_owned(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Ipv6(a)) => a.to_string(),
        None => return Err("has no host".into()),
    };
    let port = url.port_or_known_default().unwrap_or(443);
    Ok((url, host, port))
}

/// Resolves the target and refuses it when any address it resolves to is internal (unless
/// allowed); returns the addresses to connect to.
pub fn check_target(raw: &str, allow_private: bool) -> Result<Vec<SocketAddr>, String> {
    let (_, host, port) = parse_target(raw)?;
    let addrs: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("host {host} does not resolve: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("host {host} does not resolve"));
    }
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| is_internal_address(a.ip())) {
            return Err(format!(
                "resolves to {}, a loopback, private, link-local or metadata address; \
                 an administrator can allow such targets with HELPDESK_WEBHOOK_ALLOW_PRIVATE",
                bad.ip()
            ));
        }
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(is_internal_address(bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::6810:84e5",
            "172.32.0.1",
        ] {
            assert!(!is_internal_address(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn targets_are_checked_before_any_request() {
        assert!(check_target("ftp://example.com/x", true).is_err());
        assert!(check_target("https://user:pw@example.com/x", true).is_err());
        let refused = check_target("http://127.0.0.1:9/hook", false).unwrap_err();
        assert!(refused.contains("127.0.0.1"), "{refused}");
        assert!(check_target("http://[::1]:9/hook", false).is_err());
        assert!(check_target("http://169.254.169.254/latest/meta-data", false).is_err());
        assert!(check_target("http://localhost:9/hook", false).is_err());
        assert!(check_target("http://127.0.0.1:9/hook", true).is_ok());
    }

    #[test]
    fn signature_follows_the_standard_webhooks_test_vector() {
        // The reference vector of the Standard Webhooks specification.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
