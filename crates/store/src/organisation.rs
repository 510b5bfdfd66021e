//! The organisation running Carefront and its sites.

use crate::{Conn, Result, Ts, Tx, on_conn, on_tx};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub name: String,
    pub ods_code: Option<String>,
    pub created_at: Ts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SiteRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub bank_holiday_division: String,
    pub address_lines: String,
    pub town: String,
    pub postcode: String,
    pub default_language: String,
    pub created_at: Ts,
}

pub async fn insert_organisation(tx: &mut Tx, o: &OrganisationRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query("INSERT INTO organisations (id, name, ods_code, created_at) VALUES ($1, $2, $3, $4)")
        .bind(o.id).bind(&o.name).bind(&o.ods_code).bind(o.created_at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The site's telephone number, as patients are told it in messages (national format, e.g. 0117 496 0000).
pub async fn set_site_phone(tx: &mut Tx, site: Uuid, phone: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE sites SET phone = $1 WHERE id = $2")
        .bind(phone).bind(site).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_site(tx: &mut Tx, s: &SiteRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO sites (id, organisation_id, name, time_zone, bank_holiday_division, address_lines, town, \
         postcode, default_language, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(s.id).bind(s.organisation_id).bind(&s.name).bind(&s.time_zone).bind(&s.bank_holiday_division)
        .bind(&s.address_lines).bind(&s.town).bind(&s.postcode).bind(&s.default_language).bind(s.created_at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn first_organisation(conn: impl Into<Conn<'_>>) -> Result<Option<OrganisationRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, name, ods_code, created_at FROM organisations ORDER BY created_at LIMIT 1").fetch_optional(c).await)?)
}

pub async fn sites(conn: impl Into<Conn<'_>>) -> Result<Vec<SiteRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, organisation_id, name, time_zone, bank_holiday_division, address_lines, town, postcode, \
         default_language, created_at FROM sites ORDER BY name").fetch_all(c).await)?)
}
