//! Storage for scheduling's reception: a site's reception settings (what the waiting-room screen shows,
//! when "running late" notices go out, the screen's secret key), ticket numbers handed out at check-in,
//! the day's appointments as reception and the screen read them, and the running-late step each patient
//! was last told of.

use crate::{Conn, Result, Ts, Tx, on_conn, on_tx};
use uuid::Uuid;

/// A site with its reception settings.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SiteSettingsRow {
    pub id: Uuid,
    pub name: String,
    pub time_zone: String,
    /// `ticket` or `initials`: what the waiting-room screen shows instead of names.
    pub display_names_as: String,
    /// "Running late" notices go out once the delay reaches this.
    pub late_threshold_minutes: i32,
    /// SHA-256 (hex) of the waiting-room screen's key, once one has been made.
    pub display_key_hash: Option<String>,
    /// The number patients are told to call, as the practice writes it (`0117 496 0123`).
    pub phone: Option<String>,
}

const SETTINGS_COLUMNS: &str = "id, name, time_zone, display_names_as, late_threshold_minutes, display_key_hash, phone";

pub async fn site_settings(conn: impl Into<Conn<'_>>, site: Uuid) -> Result<Option<SiteSettingsRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {SETTINGS_COLUMNS} FROM sites WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(site).fetch_optional(c).await)?)
}

pub async fn all_site_settings(conn: impl Into<Conn<'_>>) -> Result<Vec<SiteSettingsRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {SETTINGS_COLUMNS} FROM sites ORDER BY name, id"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// Change what the screen shows and the running-late threshold; false when there is no such site.
pub async fn update_site_settings(
    tx: &mut Tx,
    site: Uuid,
    display_names_as: &str,
    late_threshold_minutes: i32,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE sites SET display_names_as = $2, late_threshold_minutes = $3 WHERE id = $1")
        .bind(site).bind(display_names_as).bind(late_threshold_minutes).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Replace the screen's key (the old one stops working); false when there is no such site.
pub async fn set_display_key(tx: &mut Tx, site: Uuid, hash: &str) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE sites SET display_key_hash = $2 WHERE id = $1")
        .bind(site).bind(hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ------------------------------------------------------------------------------------------- tickets

/// The ticket handed out when the patient checked in, if any.
pub async fn ticket_of(conn: impl Into<Conn<'_>>, appointment: Uuid) -> Result<Option<i32>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar(
        "SELECT number FROM reception_tickets WHERE appointment_id = $1").bind(appointment).fetch_optional(c).await)?)
}

/// Hand out the site's next ticket number for the (local) day, once per appointment: asking again
/// answers the same number. The counter row serialises concurrent check-ins on PostgreSQL (a row
/// lock) as SQLite's single writer does.
pub async fn assign_ticket(tx: &mut Tx, appointment: Uuid, site: Uuid, day: &str) -> Result<i32> {
    if let Some(n) = ticket_of(&mut *tx, appointment).await? {
        return Ok(n);
    }
    let n: i32 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO reception_ticket_counters (site_id, day, last) VALUES ($1, $2, 1) \
         ON CONFLICT (site_id, day) DO UPDATE SET last = reception_ticket_counters.last + 1 RETURNING last")
        .bind(site).bind(day).fetch_one(c).await)?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO reception_tickets (appointment_id, site_id, day, number) VALUES ($1, $2, $3, $4)")
        .bind(appointment).bind(site).bind(day).bind(n).execute(c).await.map(|_| ()))?;
    Ok(n)
}

// ------------------------------------------------------------------------------------ the day's list

/// One appointment of the day as reception's measures and the waiting-room screen see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub practitioner_id: Uuid,
    pub practitioner: String,
    pub room_id: Option<Uuid>,
    pub room: Option<String>,
    pub starts_at: Ts,
    pub ends_at: Ts,
    pub status: String,
    pub arrived_at: Option<Ts>,
    pub called_at: Option<Ts>,
    pub ticket: Option<i32>,
    /// The running-late step the patient was last told of.
    pub late_step: Option<i32>,
    /// Only read when asked for (initials on the screen).
    pub given_names: Option<String>,
    pub family_name: Option<String>,
}

/// Appointments at a site starting in `[from, to)` that are or were going ahead (booked, arrived,
/// fulfilled, DNA; not holds, cancellations or entries in error), optionally of one practitioner, in
/// time order. One index range read (`appointments_by_day`) and key lookups; the patient's names are
/// read only with `with_names`.
pub async fn day_rows(
    conn: impl Into<Conn<'_>>,
    site: Uuid,
    from: Ts,
    to: Ts,
    practitioner: Option<Uuid>,
    with_names: bool,
) -> Result<Vec<DayRow>> {
    let (names, join) = if with_names {
        ("pt.given_names, pt.family_name", "JOIN patients pt ON pt.id = a.patient_id")
    } else {
        ("CAST(NULL AS TEXT) AS given_names, CAST(NULL AS TEXT) AS family_name", "")
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT a.id, a.patient_id, a.practitioner_id, p.display_name AS practitioner, a.room_id, r.name AS room, \
         a.starts_at, a.ends_at, a.status, a.arrived_at, a.called_at, t.number AS ticket, n.step AS late_step, {names} \
         FROM appointments a JOIN practitioners p ON p.id = a.practitioner_id \
         LEFT JOIN rooms r ON r.id = a.room_id \
         LEFT JOIN reception_tickets t ON t.appointment_id = a.id \
         LEFT JOIN running_late_notices n ON n.appointment_id = a.id {join} \
         WHERE a.site_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 \
         AND a.status IN ('booked', 'arrived', 'fulfilled', 'noshow') \
         AND ($4 IS NULL OR a.practitioner_id = $4) ORDER BY a.starts_at, a.id"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(site).bind(from).bind(to).bind(practitioner)
        .fetch_all(c).await)?)
}

/// Remember the running-late step a patient has now been told of.
pub async fn record_late_step(tx: &mut Tx, appointment: Uuid, step: i32, delay_minutes: i32, at: Ts) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO running_late_notices (appointment_id, step, delay_minutes, notified_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (appointment_id) DO UPDATE SET step = excluded.step, delay_minutes = excluded.delay_minutes, \
         notified_at = excluded.notified_at")
        .bind(appointment).bind(step).bind(delay_minutes).bind(at).execute(c).await.map(|_| ()))?;
    Ok(())
}
