//! Scheduling: practitioners, rooms, services, rotas, appointments (and holds), their events, and the
//! outbox that later work sends from.
//!
//! "Never two active appointments overlapping for one practitioner, room or patient": on PostgreSQL
//! exclusion constraints enforce it (an insert that breaks it fails with [`StoreError::is_overlap`]); on
//! SQLite the caller checks [`clashes`] and inserts inside the one write transaction SQLite allows at a
//! time. Either way the caller also checks first, to answer with the clashing appointment.

pub mod reception;
pub mod referrals;
pub mod waiting;

pub use referrals::{ReferralRow, insert_referral, referrals};

use crate::{Conn, Result, StoreError, Ts, Tx, on_conn, on_tx};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PractitionerRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub user_id: Option<Uuid>,
    pub display_name: String,
    pub profession: String,
    /// Comma-separated BCP 47 tags.
    pub languages: String,
    pub feed_token_hash: Option<String>,
    pub active: bool,
    pub created_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoomRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub name: String,
    pub features: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServiceRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub description: String,
    pub duration_minutes: i32,
    pub buffer_minutes: i32,
    pub mode: String,
    pub bookable_online: bool,
    pub min_notice_minutes: i32,
    pub max_days_ahead: i32,
    pub cancel_cutoff_minutes: i32,
    pub price_pence: Option<i64>,
    pub funding: String,
    pub room_features: String,
    pub preparation: String,
    pub aftercare: String,
    pub reminder_offsets: String,
    pub active: bool,
    pub created_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub practitioner_id: Uuid,
    pub site_id: Uuid,
    pub room_id: Option<Uuid>,
    /// ISO weekday, Monday 1.
    pub weekday: i32,
    /// Local wall-clock 'HH:MM'.
    pub starts: String,
    pub ends: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub opens_on_bank_holidays: bool,
    /// Comma-separated service ids.
    pub services: String,
    pub created_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExceptionRow {
    pub id: Uuid,
    pub practitioner_id: Uuid,
    /// `closure` or `extra`.
    pub kind: String,
    pub reason: Option<String>,
    pub date_from: String,
    pub date_until: String,
    pub starts: Option<String>,
    pub ends: Option<String>,
    pub site_id: Option<Uuid>,
    pub room_id: Option<Uuid>,
    pub services: String,
    pub created_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppointmentRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub practitioner_id: Uuid,
    pub service_id: Uuid,
    pub site_id: Uuid,
    pub room_id: Option<Uuid>,
    pub starts_at: Ts,
    pub ends_at: Ts,
    pub mode: String,
    pub status: String,
    pub active: bool,
    pub hold_expires_at: Option<Ts>,
    pub channel: String,
    pub booked_by: Option<Uuid>,
    pub overbooked: bool,
    pub overbook_reason: Option<String>,
    pub interpreter_language: Option<String>,
    pub longer: bool,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub arrived_at: Option<Ts>,
    pub called_at: Option<Ts>,
    pub finished_at: Option<Ts>,
    pub sequence: i32,
    pub rescheduled_from: Option<Uuid>,
    pub version: i64,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppointmentEventRow {
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub at: Ts,
    pub actor: String,
    pub action: String,
    pub detail: Option<String>,
}

impl StoreError {
    /// An insert or update broke an exclusion constraint (PostgreSQL: two active appointments would
    /// overlap for one practitioner, room or patient).
    pub fn is_overlap(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(d)) if d.code().as_deref() == Some("23P01"))
    }
}

const PRACTITIONER_COLUMNS: &str =
    "id, organisation_id, user_id, display_name, profession, languages, feed_token_hash, active, created_at";
const SERVICE_COLUMNS: &str = "id, organisation_id, name, description, duration_minutes, buffer_minutes, mode, \
    bookable_online, min_notice_minutes, max_days_ahead, cancel_cutoff_minutes, price_pence, funding, room_features, \
    preparation, aftercare, reminder_offsets, active, created_at";
const SESSION_COLUMNS: &str = "id, practitioner_id, site_id, room_id, weekday, starts, ends, valid_from, valid_until, \
    opens_on_bank_holidays, services, created_at";
const EXCEPTION_COLUMNS: &str = "id, practitioner_id, kind, reason, date_from, date_until, starts, ends, site_id, \
    room_id, services, created_at";
const APPOINTMENT_COLUMNS: &str = "id, patient_id, practitioner_id, service_id, site_id, room_id, starts_at, ends_at, \
    mode, status, active, hold_expires_at, channel, booked_by, overbooked, overbook_reason, interpreter_language, \
    longer, cancelled_by, cancel_reason, arrived_at, called_at, finished_at, sequence, rescheduled_from, version, \
    created_at, updated_at";

/// The earliest start an appointment overlapping `at` can have. No appointment is longer than a day
/// (services are at most 8 hours, doubled for needs), so overlap reads need not look further back: a lower
/// bound turns "everything that started before" into a short index range.
fn earliest_start(at: Ts) -> Ts {
    Ts(at.0 - jiff::SignedDuration::from_hours(24))
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------------- practitioners

pub async fn insert_practitioner(tx: &mut Tx, p: &PractitionerRow) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO practitioners ({PRACTITIONER_COLUMNS}) VALUES ({})",
        placeholders(1, 9)
    ));
    on_tx!(tx, c => sqlx::query(sql).bind(p.id).bind(p.organisation_id).bind(p.user_id).bind(&p.display_name)
        .bind(&p.profession).bind(&p.languages).bind(&p.feed_token_hash).bind(p.active).bind(p.created_at)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn practitioners(conn: impl Into<Conn<'_>>) -> Result<Vec<PractitionerRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {PRACTITIONER_COLUMNS} FROM practitioners ORDER BY display_name"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).fetch_all(c).await)?)
}

pub async fn practitioner(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<PractitionerRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {PRACTITIONER_COLUMNS} FROM practitioners WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// The practitioner whose private calendar feed this token opens.
pub async fn practitioner_by_feed_token(conn: impl Into<Conn<'_>>, hash: &str) -> Result<Option<PractitionerRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PRACTITIONER_COLUMNS} FROM practitioners WHERE feed_token_hash = $1 AND active"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(hash).fetch_optional(c).await)?)
}

pub async fn set_feed_token(tx: &mut Tx, practitioner: Uuid, hash: &str) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE practitioners SET feed_token_hash = $2 WHERE id = $1")
        .bind(practitioner).bind(hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ------------------------------------------------------------------------------------- rooms, services

pub async fn insert_room(tx: &mut Tx, r: &RoomRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query("INSERT INTO rooms (id, site_id, name, features) VALUES ($1, $2, $3, $4)")
        .bind(r.id).bind(r.site_id).bind(&r.name).bind(&r.features).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn rooms(conn: impl Into<Conn<'_>>) -> Result<Vec<RoomRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as("SELECT id, site_id, name, features FROM rooms ORDER BY name")
        .fetch_all(c).await)?)
}

pub async fn insert_service(tx: &mut Tx, s: &ServiceRow) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!("INSERT INTO services ({SERVICE_COLUMNS}) VALUES ({})", placeholders(1, 19)));
    on_tx!(tx, c => sqlx::query(sql).bind(s.id).bind(s.organisation_id).bind(&s.name).bind(&s.description)
        .bind(s.duration_minutes).bind(s.buffer_minutes).bind(&s.mode).bind(s.bookable_online)
        .bind(s.min_notice_minutes).bind(s.max_days_ahead).bind(s.cancel_cutoff_minutes).bind(s.price_pence)
        .bind(&s.funding).bind(&s.room_features).bind(&s.preparation).bind(&s.aftercare).bind(&s.reminder_offsets)
        .bind(s.active).bind(s.created_at).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn services(conn: impl Into<Conn<'_>>) -> Result<Vec<ServiceRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {SERVICE_COLUMNS} FROM services ORDER BY name"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).fetch_all(c).await)?)
}

pub async fn service(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<ServiceRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {SERVICE_COLUMNS} FROM services WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Record that a practitioner delivers a service.
pub async fn link_service(tx: &mut Tx, service: Uuid, practitioner: Uuid) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO service_practitioners (service_id, practitioner_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(service).bind(practitioner).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Change a service's settings (everything but its id, organisation and creation time); false when there
/// is no such service.
pub async fn update_service(tx: &mut Tx, s: &ServiceRow) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE services SET name = $2, description = $3, duration_minutes = $4, buffer_minutes = $5, mode = $6, \
         bookable_online = $7, min_notice_minutes = $8, max_days_ahead = $9, cancel_cutoff_minutes = $10, \
         price_pence = $11, funding = $12, preparation = $13, aftercare = $14, active = $15, reminder_offsets = $16 \
         WHERE id = $1")
        .bind(s.id).bind(&s.name).bind(&s.description).bind(s.duration_minutes).bind(s.buffer_minutes).bind(&s.mode)
        .bind(s.bookable_online).bind(s.min_notice_minutes).bind(s.max_days_ahead).bind(s.cancel_cutoff_minutes)
        .bind(s.price_pence).bind(&s.funding).bind(&s.preparation).bind(&s.aftercare).bind(s.active)
        .bind(&s.reminder_offsets)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Who delivers a service, replaced as a whole.
pub async fn set_service_practitioners(tx: &mut Tx, service: Uuid, practitioners: &[Uuid]) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM service_practitioners WHERE service_id = $1")
        .bind(service).execute(c).await.map(|_| ()))?;
    for p in practitioners {
        link_service(tx, service, *p).await?;
    }
    Ok(())
}

/// Every (service, practitioner who delivers it) pair, by service.
pub async fn service_practitioners(conn: impl Into<Conn<'_>>) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT service_id, practitioner_id FROM service_practitioners ORDER BY service_id, practitioner_id")
        .fetch_all(c).await)?)
}

/// Who delivers a service.
pub async fn practitioners_for(conn: impl Into<Conn<'_>>, service: Uuid) -> Result<Vec<Uuid>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar(
        "SELECT practitioner_id FROM service_practitioners WHERE service_id = $1 ORDER BY practitioner_id")
        .bind(service).fetch_all(c).await)?)
}

// ------------------------------------------------------------------------------------------------ rotas

/// Count a change to rotas, services, practitioners or sites (in the change's own transaction), so every
/// node's kept calendars can tell they are out of date.
pub async fn bump_rota_version(tx: &mut Tx) -> Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE rota_version SET version = version + 1 WHERE id = 1")
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// How many rota changes there have been, on any node.
pub async fn rota_version(conn: impl Into<Conn<'_>>) -> Result<i64> {
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar("SELECT version FROM rota_version WHERE id = 1")
        .fetch_one(c).await)?)
}

pub async fn insert_session(tx: &mut Tx, s: &SessionRow) -> Result<()> {
    let sql =
        sqlx::AssertSqlSafe(format!("INSERT INTO rota_sessions ({SESSION_COLUMNS}) VALUES ({})", placeholders(1, 12)));
    on_tx!(tx, c => sqlx::query(sql).bind(s.id).bind(s.practitioner_id).bind(s.site_id).bind(s.room_id)
        .bind(s.weekday).bind(&s.starts).bind(&s.ends).bind(&s.valid_from).bind(&s.valid_until)
        .bind(s.opens_on_bank_holidays).bind(&s.services).bind(s.created_at).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn session(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<SessionRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {SESSION_COLUMNS} FROM rota_sessions WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Set a session's last date; false when there is no such session.
pub async fn end_session(tx: &mut Tx, id: Uuid, valid_until: &str) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE rota_sessions SET valid_until = $2 WHERE id = $1")
        .bind(id).bind(valid_until).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Sessions of these practitioners that are valid at some point between the dates (inclusive).
pub async fn sessions_of(
    conn: impl Into<Conn<'_>>,
    practitioners: &[Uuid],
    from: &str,
    until: &str,
) -> Result<Vec<SessionRow>> {
    let select = format!("SELECT {SESSION_COLUMNS} FROM rota_sessions");
    let dates = "valid_from <= $UNTIL AND (valid_until IS NULL OR valid_until >= $FROM) ORDER BY practitioner_id, weekday, starts";
    rota_rows(conn.into(), &select, practitioners, dates, from, until).await
}

pub async fn insert_exception(tx: &mut Tx, e: &ExceptionRow) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO rota_exceptions ({EXCEPTION_COLUMNS}) VALUES ({})",
        placeholders(1, 12)
    ));
    on_tx!(tx, c => sqlx::query(sql).bind(e.id).bind(e.practitioner_id).bind(&e.kind).bind(&e.reason)
        .bind(&e.date_from).bind(&e.date_until).bind(&e.starts).bind(&e.ends).bind(e.site_id).bind(e.room_id)
        .bind(&e.services).bind(e.created_at).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Exceptions of these practitioners touching the dates (inclusive).
pub async fn exceptions_of(
    conn: impl Into<Conn<'_>>,
    practitioners: &[Uuid],
    from: &str,
    until: &str,
) -> Result<Vec<ExceptionRow>> {
    let select = format!("SELECT {EXCEPTION_COLUMNS} FROM rota_exceptions");
    rota_rows(
        conn.into(),
        &select,
        practitioners,
        "date_from <= $UNTIL AND date_until >= $FROM ORDER BY date_from",
        from,
        until,
    )
    .await
}

/// `select … WHERE practitioner_id IN (…) AND <dates>` on either backend, where `dates` names the window's
/// ends as `$FROM` and `$UNTIL`.
async fn rota_rows<T>(
    conn: Conn<'_>,
    select: &str,
    practitioners: &[Uuid],
    dates: &str,
    from: &str,
    until: &str,
) -> Result<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    if practitioners.is_empty() {
        return Ok(Vec::new());
    }
    let n = practitioners.len();
    let dates = dates.replace("$UNTIL", &format!("${}", n + 1)).replace("$FROM", &format!("${}", n + 2));
    let sql = format!("{select} WHERE practitioner_id IN ({}) AND {dates}", placeholders(1, n));
    Ok(on_conn!(conn, c => {
        let mut q = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql));
        for p in practitioners { q = q.bind(*p); }
        q.bind(until).bind(from).fetch_all(c).await
    })?)
}

// ----------------------------------------------------------------------------------------- appointments

pub async fn insert_appointment(tx: &mut Tx, a: &AppointmentRow) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO appointments ({APPOINTMENT_COLUMNS}) VALUES ({})",
        placeholders(1, 28)
    ));
    on_tx!(tx, c => sqlx::query(sql).bind(a.id).bind(a.patient_id).bind(a.practitioner_id).bind(a.service_id)
        .bind(a.site_id).bind(a.room_id).bind(a.starts_at).bind(a.ends_at).bind(&a.mode).bind(&a.status)
        .bind(a.active).bind(a.hold_expires_at).bind(&a.channel).bind(a.booked_by).bind(a.overbooked)
        .bind(&a.overbook_reason).bind(&a.interpreter_language).bind(a.longer).bind(&a.cancelled_by)
        .bind(&a.cancel_reason).bind(a.arrived_at).bind(a.called_at).bind(a.finished_at).bind(a.sequence)
        .bind(a.rescheduled_from).bind(a.version).bind(a.created_at).bind(a.updated_at)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Write back a changed appointment if nobody changed it since `expected_version` was read; false if
/// someone did. The row's own `version` is written as given (the caller bumps it).
pub async fn update_appointment(tx: &mut Tx, a: &AppointmentRow, expected_version: i64) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE appointments SET starts_at = $2, ends_at = $3, status = $4, active = $5, hold_expires_at = $6, \
         room_id = $7, cancelled_by = $8, cancel_reason = $9, arrived_at = $10, called_at = $11, finished_at = $12, \
         sequence = $13, version = $14, updated_at = $15, channel = $16, patient_id = $17, overbooked = $18, \
         overbook_reason = $19 WHERE id = $1 AND version = $20")
        .bind(a.id).bind(a.starts_at).bind(a.ends_at).bind(&a.status).bind(a.active).bind(a.hold_expires_at)
        .bind(a.room_id).bind(&a.cancelled_by).bind(&a.cancel_reason).bind(a.arrived_at).bind(a.called_at)
        .bind(a.finished_at).bind(a.sequence).bind(a.version).bind(a.updated_at).bind(&a.channel)
        .bind(a.patient_id).bind(a.overbooked).bind(&a.overbook_reason).bind(expected_version)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn appointment(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<AppointmentRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Several appointments by id (those that exist).
pub async fn appointments_by_ids(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<AppointmentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = sqlx::AssertSqlSafe(format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE id IN ({list})"));
    Ok(on_conn!(conn.into(), c => {
        let mut q = sqlx::query_as(sql);
        for id in ids { q = q.bind(*id); }
        q.fetch_all(c).await
    })?)
}

/// Release holds whose time is up, so they stop occupying their slot. Returns how many.
pub async fn expire_holds(tx: &mut Tx, now: Ts) -> Result<u64> {
    Ok(on_tx!(tx, c => sqlx::query(
        "UPDATE appointments SET status = 'cancelled', active = $2, cancelled_by = 'practice', \
         cancel_reason = 'hold expired', updated_at = $1, version = version + 1 \
         WHERE status = 'pending' AND active AND hold_expires_at <= $1")
        .bind(now).bind(false).execute(c).await.map(|r| r.rows_affected()))?)
}

/// Active appointments (not deliberate overbookings) overlapping `[start, end)` for the practitioner,
/// the room (if any) or the patient, other than `except`. Holds past their expiry do not count.
#[allow(clippy::too_many_arguments)]
pub async fn clashes(
    conn: impl Into<Conn<'_>>,
    practitioner: Uuid,
    room: Option<Uuid>,
    patient: Uuid,
    start: Ts,
    end: Ts,
    now: Ts,
    except: Option<Uuid>,
) -> Result<Vec<AppointmentRow>> {
    // Three index range reads rather than one OR, so each uses its partial index.
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE active AND NOT overbooked \
         AND starts_at < $3 AND starts_at > $8 AND ends_at > $2 AND (hold_expires_at IS NULL OR hold_expires_at > $4) \
         AND id <> $5 AND practitioner_id = $1 \
         UNION SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE active AND NOT overbooked \
         AND starts_at < $3 AND starts_at > $8 AND ends_at > $2 AND (hold_expires_at IS NULL OR hold_expires_at > $4) \
         AND id <> $5 AND room_id = $6 \
         UNION SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE active AND NOT overbooked \
         AND starts_at < $3 AND starts_at > $8 AND ends_at > $2 AND (hold_expires_at IS NULL OR hold_expires_at > $4) \
         AND id <> $5 AND patient_id = $7"
    ));
    let except = except.unwrap_or(Uuid::nil());
    let earliest = earliest_start(start);
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(practitioner).bind(start).bind(end).bind(now)
        .bind(except).bind(room).bind(patient).bind(earliest).fetch_all(c).await)?)
}

/// Every active, not overbooked appointment or live hold in `[from, to)` of any of these practitioners,
/// rooms or patients: what a batch of bookings must not overlap, read once for the batch.
pub async fn clashes_many(
    conn: impl Into<Conn<'_>>,
    practitioners: &[Uuid],
    rooms: &[Uuid],
    patients: &[Uuid],
    from: Ts,
    to: Ts,
    now: Ts,
) -> Result<Vec<AppointmentRow>> {
    let (np, nr, na) = (practitioners.len(), rooms.len(), patients.len());
    // $1 end, $2 start, $3 now, $4 earliest start; then the ids.
    let window = "active AND NOT overbooked AND starts_at < $1 AND starts_at > $4 AND ends_at > $2 \
                  AND (hold_expires_at IS NULL OR hold_expires_at > $3)";
    let mut parts = Vec::new();
    let mut next = 5;
    for (column, n) in [("practitioner_id", np), ("room_id", nr), ("patient_id", na)] {
        if n > 0 {
            parts.push(format!(
                "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE {window} AND {column} IN ({})",
                placeholders(next, n)
            ));
            next += n;
        }
    }
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sqlx::AssertSqlSafe(parts.join(" UNION "));
    Ok(on_conn!(conn.into(), c => {
        let mut q = sqlx::query_as(sql).bind(to).bind(from).bind(now).bind(earliest_start(from));
        for id in practitioners.iter().chain(rooms).chain(patients) { q = q.bind(*id); }
        q.fetch_all(c).await
    })?)
}

/// Time taken in `[from, to)` for these practitioners: (practitioner, room, start, end) of every active
/// appointment or live hold, overbookings included (they take the time too).
pub async fn busy(
    conn: impl Into<Conn<'_>>,
    practitioners: &[Uuid],
    from: Ts,
    to: Ts,
    now: Ts,
) -> Result<Vec<(Uuid, Option<Uuid>, Ts, Ts)>> {
    if practitioners.is_empty() {
        return Ok(Vec::new());
    }
    let n = practitioners.len();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT practitioner_id, room_id, starts_at, ends_at FROM appointments WHERE active \
         AND practitioner_id IN ({}) AND starts_at < ${} AND ends_at > ${} \
         AND (hold_expires_at IS NULL OR hold_expires_at > ${}) AND starts_at > ${} ORDER BY starts_at",
        placeholders(1, n),
        n + 1,
        n + 2,
        n + 3,
        n + 4
    ));
    Ok(on_conn!(conn.into(), c => {
        let mut q = sqlx::query_as(sql);
        for p in practitioners { q = q.bind(*p); }
        q.bind(to).bind(from).bind(now).bind(earliest_start(from)).fetch_all(c).await
    })?)
}

/// These rooms' times in use in `[from, to)` by active appointments: (room, start, end).
pub async fn rooms_busy(
    conn: impl Into<Conn<'_>>,
    rooms: &[Uuid],
    from: Ts,
    to: Ts,
    now: Ts,
) -> Result<Vec<(Uuid, Ts, Ts)>> {
    if rooms.is_empty() {
        return Ok(Vec::new());
    }
    let n = rooms.len();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT room_id, starts_at, ends_at FROM appointments WHERE active AND room_id IS NOT NULL AND room_id IN ({}) \
         AND starts_at < ${} AND starts_at > ${} AND ends_at > ${} \
         AND (hold_expires_at IS NULL OR hold_expires_at > ${})",
        placeholders(1, n),
        n + 1,
        n + 2,
        n + 3,
        n + 4
    ));
    Ok(on_conn!(conn.into(), c => {
        let mut q = sqlx::query_as(sql);
        for r in rooms { q = q.bind(*r); }
        q.bind(to).bind(earliest_start(from)).bind(from).bind(now).fetch_all(c).await
    })?)
}

/// Appointments starting in `[from, to)`, optionally for one site and/or practitioner, in time order.
pub async fn appointments_between(
    conn: impl Into<Conn<'_>>,
    from: Ts,
    to: Ts,
    site: Option<Uuid>,
    practitioner: Option<Uuid>,
) -> Result<Vec<AppointmentRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE starts_at >= $1 AND starts_at < $2 \
         AND ($3 IS NULL OR site_id = $3) AND ($4 IS NULL OR practitioner_id = $4) ORDER BY starts_at, id"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(from).bind(to).bind(site).bind(practitioner)
        .fetch_all(c).await)?)
}

/// A patient's appointments, newest first.
pub async fn appointments_of_patient(conn: impl Into<Conn<'_>>, patient: Uuid) -> Result<Vec<AppointmentRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE patient_id = $1 ORDER BY starts_at DESC"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(patient).fetch_all(c).await)?)
}

pub async fn add_event(tx: &mut Tx, e: &AppointmentEventRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO appointment_events (id, appointment_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(e.id).bind(e.appointment_id).bind(e.at).bind(&e.actor).bind(&e.action).bind(&e.detail)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn events_of(conn: impl Into<Conn<'_>>, appointment: Uuid) -> Result<Vec<AppointmentEventRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, appointment_id, at, actor, action, detail FROM appointment_events WHERE appointment_id = $1 \
         ORDER BY at, id").bind(appointment).fetch_all(c).await)?)
}

/// Savepoints let one transaction carry several bookings where one that fails is undone alone.
pub async fn savepoint(tx: &mut Tx, name: &str) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!("SAVEPOINT {name}"));
    on_tx!(tx, c => sqlx::query(sql).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn release_savepoint(tx: &mut Tx, name: &str) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!("RELEASE SAVEPOINT {name}"));
    on_tx!(tx, c => sqlx::query(sql).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn rollback_to_savepoint(tx: &mut Tx, name: &str) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(format!("ROLLBACK TO SAVEPOINT {name}"));
    on_tx!(tx, c => sqlx::query(sql).execute(c).await.map(|_| ()))?;
    Ok(())
}

// --------------------------------------------------------------------------------------------- outbox

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: Uuid,
    pub kind: String,
    pub dedupe_key: String,
    pub patient_id: Option<Uuid>,
    pub appointment_id: Option<Uuid>,
    pub payload: String,
    pub due_at: Ts,
    pub state: String,
    pub attempts: i32,
    pub created_at: Ts,
}

/// Queue a job; a job with the same dedupe key already queued or done makes this a no-op (false).
pub async fn enqueue(tx: &mut Tx, j: &OutboxRow) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO outbox (id, kind, dedupe_key, patient_id, appointment_id, payload, due_at, state, attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedupe_key) DO NOTHING")
        .bind(j.id).bind(&j.kind).bind(&j.dedupe_key).bind(j.patient_id).bind(j.appointment_id).bind(&j.payload)
        .bind(j.due_at).bind(&j.state).bind(j.attempts).bind(j.created_at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Queue several jobs in one statement; a job whose dedupe key is already queued is skipped.
pub async fn enqueue_many(tx: &mut Tx, jobs: &[OutboxRow]) -> Result<()> {
    for chunk in jobs.chunks(500) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO outbox (id, kind, dedupe_key, patient_id, appointment_id, payload, due_at, state, attempts, created_at) ");
            qb.push_values(chunk, |mut b, j| {
                b.push_bind(j.id).push_bind(&j.kind).push_bind(&j.dedupe_key).push_bind(j.patient_id)
                    .push_bind(j.appointment_id).push_bind(&j.payload).push_bind(j.due_at).push_bind(&j.state)
                    .push_bind(j.attempts).push_bind(j.created_at);
            });
            qb.push(" ON CONFLICT (dedupe_key) DO NOTHING");
            qb.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Jobs about one appointment (for its page and for tests).
pub async fn outbox_for_appointment(conn: impl Into<Conn<'_>>, appointment: Uuid) -> Result<Vec<OutboxRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, kind, dedupe_key, patient_id, appointment_id, payload, due_at, state, attempts, created_at \
         FROM outbox WHERE appointment_id = $1 ORDER BY created_at, id").bind(appointment).fetch_all(c).await)?)
}

// ------------------------------------------------------------------------------------------ bulk loads

/// Insert many appointments in multi-row statements (the demo's history; imports). The caller keeps
/// them from overlapping, as for [`insert_appointment`].
pub async fn insert_appointments(tx: &mut Tx, rows: &[AppointmentRow]) -> Result<()> {
    // 28 columns: 500 rows stay well under both backends' bind-parameter limits.
    for chunk in rows.chunks(500) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(format!("INSERT INTO appointments ({APPOINTMENT_COLUMNS}) "));
            qb.push_values(chunk, |mut b, a| {
                b.push_bind(a.id).push_bind(a.patient_id).push_bind(a.practitioner_id).push_bind(a.service_id)
                    .push_bind(a.site_id).push_bind(a.room_id).push_bind(a.starts_at).push_bind(a.ends_at)
                    .push_bind(&a.mode).push_bind(&a.status).push_bind(a.active).push_bind(a.hold_expires_at)
                    .push_bind(&a.channel).push_bind(a.booked_by).push_bind(a.overbooked).push_bind(&a.overbook_reason)
                    .push_bind(&a.interpreter_language).push_bind(a.longer).push_bind(&a.cancelled_by)
                    .push_bind(&a.cancel_reason).push_bind(a.arrived_at).push_bind(a.called_at)
                    .push_bind(a.finished_at).push_bind(a.sequence).push_bind(a.rescheduled_from).push_bind(a.version)
                    .push_bind(a.created_at).push_bind(a.updated_at);
            });
            qb.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Insert many appointment events in multi-row statements.
pub async fn add_events(tx: &mut Tx, rows: &[AppointmentEventRow]) -> Result<()> {
    for chunk in rows.chunks(2000) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO appointment_events (id, appointment_id, at, actor, action, detail) ");
            qb.push_values(chunk, |mut b, e| {
                b.push_bind(e.id).push_bind(e.appointment_id).push_bind(e.at).push_bind(&e.actor)
                    .push_bind(&e.action).push_bind(&e.detail);
            });
            qb.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}
