//! Which end of a connection a direction's sender is, and how sure we are.

use crate::{
    model::{FlowKey, Role},
    protocol::{DecodeEvent, http::HttpHead, tls::Hello},
};

const TCP_SYN: u8 = 0x02;
const TCP_ACK: u8 = 0x10;

/// Ports from here up are ephemeral on Linux and most stacks (IANA: 49152; Linux: 32768).
const EPHEMERAL_PORT_START: u16 = 32768;

/// What a role was inferred from. Later evidence replaces a role only if it is at least as
/// strong, so a SYN is never overruled by a port guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RoleEvidence {
    None,
    Ports,
    Payload,
    Handshake,
}

/// A role with what it was inferred from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InferredRole {
    pub role: Role,
    pub evidence: RoleEvidence,
}

impl InferredRole {
    pub const UNKNOWN: Self = Self {
        role: Role::Unknown,
        evidence: RoleEvidence::None,
    };

    /// Adopts `other` when it is at least as strong and says something.
    pub fn update(&mut self, other: Self) {
        if other.role != Role::Unknown && other.evidence >= self.evidence {
            *self = other;
        }
    }

    /// The role of the other direction of the same connection.
    pub const fn opposite(self) -> Self {
        let role = match self.role {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
            Role::Unknown => Role::Unknown,
        };
        Self {
            role,
            evidence: self.evidence,
        }
    }
}

/// A SYN without ACK comes from the client; a SYN+ACK from the server.
pub(crate) const fn from_tcp_flags(flags: u8) -> Option<InferredRole> {
    if flags & TCP_SYN == 0 {
        return None;
    }
    let role = if flags & TCP_ACK == 0 {
        Role::Client
    } else {
        Role::Server
    };
    Some(InferredRole {
        role,
        evidence: RoleEvidence::Handshake,
    })
}

/// A `ClientHello` or request comes from the client; a `ServerHello` or response from the server.
pub(crate) const fn from_event(event: &DecodeEvent) -> InferredRole {
    let role =
        match event {
            DecodeEvent::TlsHello(Hello::Client(_))
            | DecodeEvent::HttpHead(HttpHead::Request(_)) => Role::Client,
            DecodeEvent::TlsHello(Hello::Server(_))
            | DecodeEvent::HttpHead(HttpHead::Response(_)) => Role::Server,
        };
    InferredRole {
        role,
        evidence: RoleEvidence::Payload,
    }
}

/// The lower port, when it is below the ephemeral range, is the server's.
pub(crate) fn from_ports(key: &FlowKey) -> InferredRole {
    let (src, dst) = (key.src.port(), key.dst.port());
    let role = if src < dst && src < EPHEMERAL_PORT_START {
        Role::Server
    } else if dst < src && dst < EPHEMERAL_PORT_START {
        Role::Client
    } else {
        return InferredRole::UNKNOWN;
    };
    InferredRole {
        role,
        evidence: RoleEvidence::Ports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Transport;

    fn key(src: &str, dst: &str) -> FlowKey {
        FlowKey {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            transport: Transport::Tcp,
        }
    }

    #[test]
    fn ports_name_the_server_only_below_the_ephemeral_range() {
        assert_eq!(
            from_ports(&key("10.0.0.1:51000", "10.0.0.2:443")).role,
            Role::Client
        );
        assert_eq!(
            from_ports(&key("10.0.0.2:1883", "10.0.0.1:40000")).role,
            Role::Server
        );
        assert_eq!(
            from_ports(&key("10.0.0.1:40000", "10.0.0.2:50000")).role,
            Role::Unknown
        );
        assert_eq!(
            from_ports(&key("10.0.0.1:5683", "10.0.0.2:5683")).role,
            Role::Unknown
        );
    }

    #[test]
    fn syn_flags_name_the_role() {
        assert_eq!(from_tcp_flags(0x02).map(|r| r.role), Some(Role::Client));
        assert_eq!(from_tcp_flags(0x12).map(|r| r.role), Some(Role::Server));
        assert_eq!(from_tcp_flags(0x10), None);
    }

    #[test]
    fn weaker_evidence_does_not_overrule_stronger() {
        let mut r = InferredRole {
            role: Role::Server,
            evidence: RoleEvidence::Handshake,
        };
        r.update(InferredRole {
            role: Role::Client,
            evidence: RoleEvidence::Ports,
        });
        assert_eq!(r.role, Role::Server);
        r.update(InferredRole::UNKNOWN);
        assert_eq!(r.role, Role::Server);
        let mut p = InferredRole {
            role: Role::Server,
            evidence: RoleEvidence::Ports,
        };
        p.update(InferredRole {
            role: Role::Client,
            evidence: RoleEvidence::Payload,
        });
        assert_eq!(p.role, Role::Client);
        assert_eq!(p.opposite().role, Role::Server);
    }
}
