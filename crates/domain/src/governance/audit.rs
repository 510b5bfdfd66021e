//! The tamper-evident audit chain. Every event is sealed with SHA-256 over a canonical encoding of its
//! fields and the previous event's hash; a separate head (last sequence and hash) is kept beside the log so
//! that removing the newest events is noticed too. Any single edit, deletion, insertion or reordering
//! breaks the chain at a point [`ChainVerifier`] names.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allowed,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "allowed" => Some(Outcome::Allowed),
            "denied" => Some(Outcome::Denied),
            _ => None,
        }
    }
}

/// What happened, before it is sealed into the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// The user who acted; `None` for the system or an unidentified caller (an unknown username).
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub patient_id: Option<Uuid>,
    pub purpose: Option<String>,
    /// Why it was allowed or refused, or the reason the actor gave (break-glass, undo…).
    pub reason: Option<String>,
    pub outcome: Outcome,
    pub break_glass: bool,
    pub operation_id: Uuid,
    pub client_addr: Option<String>,
}

/// An event as stored: the entry, its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The canonical encoding hashed for an event: a version tag, then every field as `name=length:value`
/// on its own line, so no choice of field contents can make two different events encode alike.
pub fn canonical_bytes(seq: i64, e: &AuditEntry, prev_hash: &str) -> Vec<u8> {
    fn field(out: &mut Vec<u8>, name: &str, value: Option<&str>) {
        out.extend_from_slice(name.as_bytes());
        match value {
            Some(v) => {
                out.extend_from_slice(format!("={}:", v.len()).as_bytes());
                out.extend_from_slice(v.as_bytes());
            }
            None => out.extend_from_slice(b"=-"),
        }
        out.push(b'\n');
    }
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"carefront-audit-v1\n");
    field(&mut out, "seq", Some(&seq.to_string()));
    field(&mut out, "at_us", Some(&e.at.as_microsecond().to_string()));
    field(&mut out, "actor_id", e.actor_id.map(|u| u.to_string()).as_deref());
    field(&mut out, "actor_role", e.actor_role.as_deref());
    field(&mut out, "action", Some(&e.action));
    field(&mut out, "resource_type", Some(&e.resource_type));
    field(&mut out, "resource_id", e.resource_id.as_deref());
    field(&mut out, "patient_id", e.patient_id.map(|u| u.to_string()).as_deref());
    field(&mut out, "purpose", e.purpose.as_deref());
    field(&mut out, "reason", e.reason.as_deref());
    field(&mut out, "outcome", Some(e.outcome.as_str()));
    field(&mut out, "break_glass", Some(if e.break_glass { "1" } else { "0" }));
    field(&mut out, "operation_id", Some(&e.operation_id.to_string()));
    field(&mut out, "client_addr", e.client_addr.as_deref());
    field(&mut out, "prev_hash", Some(prev_hash));
    out
}

pub fn hash_of(seq: i64, e: &AuditEntry, prev_hash: &str) -> String {
    hex::encode(Sha256::digest(canonical_bytes(seq, e, prev_hash)))
}

/// Seal an entry as the event after `prev` (`None` for the first event).
pub fn seal(entry: AuditEntry, prev: Option<(i64, &str)>) -> AuditEvent {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_owned()),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let hash = hash_of(seq, &entry, &prev_hash);
    AuditEvent { seq, entry, prev_hash, hash }
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("event {found} found where event {expected} should be: events are missing or out of order")]
    Gap { expected: i64, found: i64 },
    #[error("event {seq} does not follow the event before it (its previous-hash does not match)")]
    Unlinked { seq: i64 },
    #[error("event {seq} has been altered (its contents do not match its hash)")]
    Altered { seq: i64 },
    #[error("the log ends at event {last} but the chain head records event {head}: events are missing")]
    Truncated { last: i64, head: i64 },
    #[error("the log has events up to {last} but the chain head records event {head}")]
    HeadMismatch { last: i64, head: i64 },
}

/// Walks a log in sequence order, one event at a time, so a log of any length is checked in constant
/// memory.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS_HASH.to_owned() }
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, ev: &AuditEvent) -> Result<(), ChainBreak> {
        if ev.seq != self.expected_seq {
            return Err(ChainBreak::Gap { expected: self.expected_seq, found: ev.seq });
        }
        if ev.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq: ev.seq });
        }
        if hash_of(ev.seq, &ev.entry, &ev.prev_hash) != ev.hash {
            return Err(ChainBreak::Altered { seq: ev.seq });
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&ev.hash);
        Ok(())
    }

    /// Compare the end of the log with the recorded head; returns how many events were checked.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<i64, ChainBreak> {
        let last = self.expected_seq - 1;
        let (head_seq, head_hash) = head.unwrap_or((0, GENESIS_HASH));
        if last < head_seq {
            return Err(ChainBreak::Truncated { last, head: head_seq });
        }
        if last != head_seq || head_hash != self.prev_hash {
            return Err(ChainBreak::HeadMismatch { last, head: head_seq });
        }
        Ok(last)
    }
}

/// Check a whole chain held in memory (tests and small logs).
pub fn verify<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
    head: Option<(i64, &str)>,
) -> Result<i64, ChainBreak> {
    let mut v = ChainVerifier::new();
    for ev in events {
        v.push(ev)?;
    }
    v.finish(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(i: i64) -> AuditEntry {
        AuditEntry {
            at: Timestamp::from_microsecond(1_780_000_000_000_000 + i * 1_000).unwrap(),
            actor_id: Some(Uuid::from_u128(i as u128 + 1)),
            actor_role: Some("receptionist".into()),
            action: if i % 2 == 0 { "view_patient".into() } else { "sign_in".into() },
            resource_type: "patient".into(),
            resource_id: Some(format!("p{i}")),
            patient_id: if i % 3 == 0 { Some(Uuid::from_u128(99)) } else { None },
            purpose: Some("direct_care".into()),
            reason: None,
            outcome: Outcome::Allowed,
            break_glass: false,
            operation_id: Uuid::from_u128(1000 + i as u128),
            client_addr: Some("127.0.0.1".into()),
        }
    }

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut out: Vec<AuditEvent> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            let ev = seal(entry(i), prev);
            out.push(ev);
        }
        out
    }

    fn head(events: &[AuditEvent]) -> Option<(i64, &str)> {
        events.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let events = chain(10);
        assert_eq!(verify(&events, head(&events)), Ok(10));
        assert_eq!(verify(&[], None), Ok(0));
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let mut a = entry(1);
        let mut b = entry(1);
        a.action = "ab".into();
        a.resource_type = "c".into();
        b.action = "a".into();
        b.resource_type = "bc".into();
        assert_ne!(hash_of(1, &a, GENESIS_HASH), hash_of(1, &b, GENESIS_HASH));
    }

    #[test]
    fn deleting_the_newest_event_is_noticed_through_the_head() {
        let events = chain(5);
        let h = head(&events).map(|(s, h)| (s, h.to_owned()));
        let (seq, hash) = h.unwrap();
        assert_eq!(verify(&events[..4], Some((seq, &hash))), Err(ChainBreak::Truncated { last: 4, head: 5 }));
    }

    #[derive(Debug, Clone)]
    enum Tamper {
        EditReason(usize),
        EditOutcome(usize),
        EditTime(usize),
        EditPatient(usize),
        Delete(usize),
        Swap(usize, usize),
        DuplicateInsert(usize),
    }

    fn tamper_strategy(n: usize) -> impl Strategy<Value = Tamper> {
        prop_oneof![
            (0..n).prop_map(Tamper::EditReason),
            (0..n).prop_map(Tamper::EditOutcome),
            (0..n).prop_map(Tamper::EditTime),
            (0..n).prop_map(Tamper::EditPatient),
            (0..n).prop_map(Tamper::Delete),
            (0..n, 0..n).prop_filter("distinct", |(a, b)| a != b).prop_map(|(a, b)| Tamper::Swap(a, b)),
            (0..n).prop_map(Tamper::DuplicateInsert),
        ]
    }

    proptest! {
        /// Any single edit, deletion, reordering or insertion is detected.
        #[test]
        fn any_single_tampering_is_detected((n, t) in (2usize..30).prop_flat_map(|n| (Just(n), tamper_strategy(n)))) {
            let mut events = chain(n as i64);
            let recorded_head = head(&events).map(|(s, h)| (s, h.to_owned())).unwrap();
            match t {
                Tamper::EditReason(i) => events[i].entry.reason = Some("nothing to see".into()),
                Tamper::EditOutcome(i) => events[i].entry.outcome = Outcome::Denied,
                Tamper::EditTime(i) => events[i].entry.at = Timestamp::from_microsecond(0).unwrap(),
                Tamper::EditPatient(i) => events[i].entry.patient_id = Some(Uuid::from_u128(7)),
                Tamper::Delete(i) => { events.remove(i); }
                Tamper::Swap(a, b) => events.swap(a, b),
                Tamper::DuplicateInsert(i) => { let copy = events[i].clone(); events.insert(i, copy); }
            }
            prop_assert!(verify(&events, Some((recorded_head.0, &recorded_head.1))).is_err());
        }
    }
}
