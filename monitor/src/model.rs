//! The vocabulary shared by the stages after capture: flows as the daemon sees them, and the
//! detection events that the detection stage hands to the sinks. Plain data, no behaviour beyond
//! formatting, so every stage can be tested on values built by hand.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    time::SystemTime,
};

use serde::{Deserialize, Serialize};

/// Transport protocol of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

/// One direction of a connection: bytes sent by `src` to `dst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FlowKey {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub transport: Transport,
}

impl FlowKey {
    /// The opposite direction of the same connection.
    #[must_use]
    pub const fn reversed(self) -> Self {
        Self {
            src: self.dst,
            dst: self.src,
            transport: self.transport,
        }
    }
}

impl fmt::Display for FlowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {} ({:?})", self.src, self.dst, self.transport)
    }
}

/// Application protocol of one flow direction, as classified from its bytes.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tls,
    Http,
    /// HTTP/2 with prior knowledge (h2c): the connection preface, or the server's SETTINGS.
    Http2,
    Postgresql,
    /// MySQL and MariaDB.
    Mysql,
    Redis,
    Memcached,
    Mqtt,
    Nats,
    Amqp,
    Ldap,
    Smtp,
    /// DICOM's upper layer (imaging devices, PACS).
    Dicom,
    /// Kafka's protocol, producers' and consumers' side and brokers'.
    Kafka,
    /// MongoDB's wire protocol, drivers' and servers'.
    Mongodb,
    #[default]
    Unknown,
}

impl Protocol {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Tls => "tls",
            Self::Http => "http",
            Self::Http2 => "http2",
            Self::Postgresql => "postgresql",
            Self::Mysql => "mysql",
            Self::Redis => "redis",
            Self::Memcached => "memcached",
            Self::Mqtt => "mqtt",
            Self::Nats => "nats",
            Self::Amqp => "amqp",
            Self::Ldap => "ldap",
            Self::Smtp => "smtp",
            Self::Dicom => "dicom",
            Self::Kafka => "kafka",
            Self::Mongodb => "mongodb",
            Self::Unknown => "unknown",
        }
    }

    /// Whether bytes of this protocol are protected in transit.
    #[must_use]
    pub const fn is_encrypted(self) -> bool {
        matches!(self, Self::Tls)
    }
}

/// A negotiated TLS protocol version; serialised as "1.0" .. "1.3".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsVersion {
    Ssl3,
    V1_0,
    V1_1,
    V1_2,
    V1_3,
}

impl TlsVersion {
    /// From the 16-bit wire value (0x0300 .. 0x0304).
    #[must_use]
    pub const fn from_wire(v: u16) -> Option<Self> {
        Some(match v {
            0x0300 => Self::Ssl3,
            0x0301 => Self::V1_0,
            0x0302 => Self::V1_1,
            0x0303 => Self::V1_2,
            0x0304 => Self::V1_3,
            _ => return None,
        })
    }

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ssl3 => "ssl3",
            Self::V1_0 => "1.0",
            Self::V1_1 => "1.1",
            Self::V1_2 => "1.2",
            Self::V1_3 => "1.3",
        }
    }
}

impl Serialize for TlsVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TlsVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        [Self::Ssl3, Self::V1_0, Self::V1_1, Self::V1_2, Self::V1_3]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown TLS version `{s}`")))
    }
}

/// What the TLS handshake of a connection revealed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsInfo {
    /// Negotiated version (from the ServerHello, including the `supported_versions` extension).
    pub version: Option<TlsVersion>,
    /// Negotiated cipher suite, IANA name (e.g. `TLS_AES_128_GCM_SHA256`) or `0xNNNN`.
    pub cipher_suite: Option<String>,
    /// Server name from the ClientHello.
    pub sni: Option<String>,
}

/// Which end of a connection a direction's sender is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Client,
    Server,
    /// Neither the handshake nor the ports told.
    Unknown,
}

/// Where a flow's packets were seen and which local process sent them, when the socket layer
/// could tell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    pub socket_cookie: Option<u64>,
    pub cgroup_id: Option<u64>,
}

/// A snapshot of one flow direction, as the sinks see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowView {
    pub key: FlowKey,
    /// Role of `key.src` in the connection.
    pub sender_role: Role,
    pub protocol: Protocol,
    /// TLS details of the connection (shared by both directions).
    pub tls: Option<TlsInfo>,
    pub packets: u64,
    pub bytes: u64,
    pub first_seen: SystemTime,
    pub last_seen: SystemTime,
    pub attribution: Attribution,
}

impl FlowView {
    #[must_use]
    pub fn encrypted(&self) -> bool {
        self.protocol.is_encrypted()
    }

    /// The sending side, written for humans and alert labels: a server as `ip:port`; a client as
    /// its IP alone, since its ephemeral port changes with every connection.
    #[must_use]
    pub fn source_label(&self) -> String {
        endpoint_label(self.key.src, self.sender_role != Role::Client)
    }

    /// The receiving side, written like [`Self::source_label`].
    #[must_use]
    pub fn destination_label(&self) -> String {
        let receiver_is_client = self.sender_role == Role::Server;
        endpoint_label(self.key.dst, !receiver_is_client)
    }
}

fn endpoint_label(addr: SocketAddr, with_port: bool) -> String {
    match (with_port, addr.ip()) {
        (true, _) => addr.to_string(),
        (false, IpAddr::V4(ip)) => ip.to_string(),
        (false, IpAddr::V6(ip)) => ip.to_string(),
    }
}

/// One detection in one flow direction, handed from the detection stage to the sinks. It holds no
/// raw value: the finding carries a byte span and redacted evidence only.
#[derive(Clone, Debug)]
pub struct DetectionEvent {
    pub flow: FlowView,
    pub finding: monitor_detect::Finding,
    pub at: SystemTime,
}

/// TCP header fields of a sampled packet that reassembly needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpMeta {
    pub seq: u32,
    /// TCP flag bits as on the wire (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10).
    pub flags: u8,
}

/// Why the kernel copied a packet's payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleKind {
    /// One of the first payload packets of a flow direction (handshakes, request heads).
    Head,
    /// A 1-in-N sample of a later packet.
    Periodic,
}

/// One payload sample, as capture hands it to flow assembly. Holds raw bytes: it lives only in
/// memory, for the moment it takes to classify and scan it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketSample {
    pub key: FlowKey,
    pub at: SystemTime,
    /// Present for TCP.
    pub tcp: Option<TcpMeta>,
    /// Payload length on the wire from the first captured byte: this part's own length, or for
    /// a packet's last part everything left of it (more than `payload` when cut short).
    pub wire_len: u32,
    /// The captured prefix of the payload (at most `wire_len` bytes).
    pub payload: bytes::Bytes,
    pub kind: SampleKind,
    /// Index among the records a large (segmentation-offload) packet was copied into; 0 for
    /// its first bytes, which alone count as a packet.
    pub part: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(role: Role) -> FlowView {
        FlowView {
            key: FlowKey {
                src: "198.18.0.1:40000".parse().unwrap(),
                dst: "198.18.0.2:8080".parse().unwrap(),
                transport: Transport::Tcp,
            },
            sender_role: role,
            protocol: Protocol::Http,
            tls: None,
            packets: 1,
            bytes: 10,
            first_seen: SystemTime::UNIX_EPOCH,
            last_seen: SystemTime::UNIX_EPOCH,
            attribution: Attribution::default(),
        }
    }

    #[test]
    fn labels_keep_the_server_port_only() {
        let v = view(Role::Client);
        assert_eq!(v.source_label(), "198.18.0.1");
        assert_eq!(v.destination_label(), "198.18.0.2:8080");
        let mut r = view(Role::Server);
        r.key = r.key.reversed();
        assert_eq!(r.source_label(), "198.18.0.2:8080");
        assert_eq!(r.destination_label(), "198.18.0.1");
        let u = view(Role::Unknown);
        assert_eq!(u.source_label(), "198.18.0.1:40000");
        assert_eq!(u.destination_label(), "198.18.0.2:8080");
    }

    #[test]
    fn tls_versions_serialise_as_numbers() {
        assert_eq!(serde_json::to_string(&TlsVersion::V1_3).unwrap(), "\"1.3\"");
        let v: TlsVersion = serde_json::from_str("\"1.2\"").unwrap();
        assert_eq!(v, TlsVersion::V1_2);
    }
}
