//! [`Ts`]: a UTC instant stored natively on each backend: `timestamptz` on PostgreSQL (what exclusion
//! constraints over time ranges need) and integer microseconds since the Unix epoch on SQLite (exact,
//! ordered, compact). sqlx has no jiff support, so the encodings are written here.

use jiff::Timestamp;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueFormat, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Type};

/// Microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's timestamp epoch.
const PG_EPOCH_OFFSET_US: i64 = 946_684_800_000_000;
const TIMESTAMPTZ_OID: u32 = 1184;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ts(pub Timestamp);

impl From<Timestamp> for Ts {
    fn from(t: Timestamp) -> Self {
        Ts(t)
    }
}

impl From<Ts> for Timestamp {
    fn from(t: Ts) -> Self {
        t.0
    }
}

fn from_micros(us: i64) -> Result<Ts, BoxDynError> {
    Ok(Ts(Timestamp::from_microsecond(us)?))
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(TIMESTAMPTZ_OID))
    }
}

impl PgHasArrayType for Ts {
    fn array_type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(1185))
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        let us = self.0.as_microsecond() - PG_EPOCH_OFFSET_US;
        buf.extend_from_slice(&us.to_be_bytes());
        Ok(IsNull::No)
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        match value.format() {
            PgValueFormat::Binary => {
                let bytes: [u8; 8] = value.as_bytes()?.try_into()?;
                from_micros(i64::from_be_bytes(bytes) + PG_EPOCH_OFFSET_US)
            }
            PgValueFormat::Text => {
                // e.g. "2026-11-22 09:10:00.123456+00"
                let s = value.as_str()?;
                let z: jiff::Zoned = format!("{}[UTC]", s.replacen(' ', "T", 1)).parse()?;
                Ok(Ts(z.timestamp()))
            }
        }
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode_by_ref(&self.0.as_microsecond(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        from_micros(<i64 as Decode<Sqlite>>::decode(value)?)
    }
}
