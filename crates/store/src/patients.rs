//! The patient registry: records, phones, and the name-term index used by search.

use crate::{Conn, Db, Result, Ts, Tx, on_conn, on_db, on_tx};
use uuid::Uuid;

pub mod name_index;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PatientRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub nhs_number: Option<String>,
    pub nhs_number_status: Option<String>,
    pub local_number: Option<String>,
    pub title: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub pronouns: Option<String>,
    pub date_of_birth: String,
    pub gender: String,
    pub date_of_death: Option<String>,
    pub registration_status: String,
    pub deregistered_on: Option<String>,
    pub deregistered_reason: Option<String>,
    /// Lines joined with newlines.
    pub address_lines: String,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub postcode_abroad: Option<String>,
    pub country: String,
    pub email: Option<String>,
    pub preferred_language: String,
    pub interpreter_language: Option<String>,
    pub contact_times: Option<String>,
    pub merged_into: Option<Uuid>,
    pub version: i64,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PhoneRow {
    pub patient_id: Uuid,
    pub position: i32,
    pub e164: String,
    pub kind: String,
}

const COLUMNS: &str = "id, organisation_id, nhs_number, nhs_number_status, local_number, title, given_names, \
    family_name, preferred_name, pronouns, date_of_birth, gender, date_of_death, registration_status, \
    deregistered_on, deregistered_reason, address_lines, town, postcode, postcode_abroad, country, email, \
    preferred_language, interpreter_language, contact_times, merged_into, version, created_at, updated_at";

/// Rows of `select … WHERE <column> IN (ids) <rest>`, on either backend (`select_where` ends with the
/// column name).
async fn fetch_for_ids<T>(conn: Conn<'_>, select_where: &str, ids: &[Uuid], rest: &str) -> Result<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{select_where} IN ({}) {rest}", placeholders(1, ids.len()));
    Ok(on_conn!(conn, c => {
        let mut q = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql));
        for id in ids { q = q.bind(*id); }
        q.fetch_all(c).await
    })?)
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

pub async fn insert(tx: &mut Tx, p: &PatientRow) -> Result<()> {
    insert_rows(tx, std::slice::from_ref(p), false).await.map(|_| ())
}

/// Replace the demographic columns of a record, if it is still at `expected_version`. Returns false when
/// someone else changed it first (the caller reloads and tells the user).
pub async fn update(tx: &mut Tx, p: &PatientRow, expected_version: i64) -> Result<bool> {
    let done = on_tx!(tx, c => sqlx::query(
        "UPDATE patients SET nhs_number = $2, nhs_number_status = $3, local_number = $4, title = $5, given_names = $6, \
         family_name = $7, preferred_name = $8, pronouns = $9, date_of_birth = $10, gender = $11, date_of_death = $12, \
         registration_status = $13, deregistered_on = $14, deregistered_reason = $15, address_lines = $16, town = $17, \
         postcode = $18, postcode_abroad = $19, country = $20, email = $21, preferred_language = $22, \
         interpreter_language = $23, contact_times = $24, version = version + 1, updated_at = $25 \
         WHERE id = $1 AND version = $26 AND merged_into IS NULL")
        .bind(p.id).bind(&p.nhs_number).bind(&p.nhs_number_status).bind(&p.local_number).bind(&p.title)
        .bind(&p.given_names).bind(&p.family_name).bind(&p.preferred_name).bind(&p.pronouns).bind(&p.date_of_birth)
        .bind(&p.gender).bind(&p.date_of_death).bind(&p.registration_status).bind(&p.deregistered_on)
        .bind(&p.deregistered_reason).bind(&p.address_lines).bind(&p.town).bind(&p.postcode).bind(&p.postcode_abroad)
        .bind(&p.country).bind(&p.email).bind(&p.preferred_language).bind(&p.interpreter_language)
        .bind(&p.contact_times).bind(p.updated_at).bind(expected_version)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn by_id(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<PatientRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM patients WHERE id = $1"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Records by id, in no particular order (merged records included; callers resolve them).
pub async fn by_ids(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<PatientRow>> {
    fetch_for_ids(conn.into(), &format!("SELECT {COLUMNS} FROM patients WHERE id"), ids, "").await
}

/// The live record with this NHS number (merged records are aliases, not matches).
pub async fn by_nhs_number(conn: impl Into<Conn<'_>>, digits: &str) -> Result<Option<PatientRow>> {
    let sql =
        sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM patients WHERE nhs_number = $1 AND merged_into IS NULL"));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(digits).fetch_optional(c).await)?)
}

pub async fn by_local_number(
    conn: impl Into<Conn<'_>>,
    organisation_id: Uuid,
    local: &str,
) -> Result<Option<PatientRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM patients WHERE organisation_id = $1 AND local_number = $2 AND merged_into IS NULL"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(organisation_id).bind(local).fetch_optional(c).await)?)
}

/// Ids of live records matching one column exactly (date of birth, postcode, email), up to `limit`.
pub async fn ids_where(conn: impl Into<Conn<'_>>, column: ExactColumn, value: &str, limit: i64) -> Result<Vec<Uuid>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id FROM patients WHERE {} = $1 AND merged_into IS NULL ORDER BY family_name, given_names LIMIT $2",
        column.name()
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar(sql).bind(value).bind(limit).fetch_all(c).await)?)
}

/// Columns searched by exact value.
#[derive(Debug, Clone, Copy)]
pub enum ExactColumn {
    DateOfBirth,
    Postcode,
    Email,
}

impl ExactColumn {
    fn name(self) -> &'static str {
        match self {
            ExactColumn::DateOfBirth => "date_of_birth",
            ExactColumn::Postcode => "postcode",
            ExactColumn::Email => "email",
        }
    }
}

pub async fn ids_by_phone(conn: impl Into<Conn<'_>>, e164: &str, limit: i64) -> Result<Vec<Uuid>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar(
        "SELECT DISTINCT ph.patient_id FROM patient_phones ph JOIN patients p ON p.id = ph.patient_id \
         WHERE ph.e164 = $1 AND p.merged_into IS NULL LIMIT $2")
        .bind(e164).bind(limit).fetch_all(c).await)?)
}

pub async fn replace_phones(tx: &mut Tx, patient_id: Uuid, phones: &[PhoneRow]) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM patient_phones WHERE patient_id = $1").bind(patient_id).execute(c).await.map(|_| ()))?;
    for p in phones {
        on_tx!(tx, c => sqlx::query("INSERT INTO patient_phones (id, patient_id, position, e164, kind) VALUES ($1, $2, $3, $4, $5)")
            .bind(domain::new_id()).bind(patient_id).bind(p.position).bind(&p.e164).bind(&p.kind)
            .execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn phones_of(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<PhoneRow>> {
    let select = "SELECT patient_id, position, e164, kind FROM patient_phones WHERE patient_id";
    fetch_for_ids(conn.into(), select, ids, "ORDER BY patient_id, position").await
}

pub async fn count(conn: impl Into<Conn<'_>>) -> Result<i64> {
    Ok(
        on_conn!(conn.into(), c => sqlx::query_scalar("SELECT COUNT(*) FROM patients WHERE merged_into IS NULL").fetch_one(c).await)?,
    )
}

/// Non-unique indexes on the registry's tables that a bulk load into a (nearly) empty registry drops
/// first and builds at its end: one sorted pass each instead of a random B-tree insert per row. The same
/// definitions as the migrations (identical on both backends). The unique NHS and local number indexes
/// are never dropped: re-running an import relies on them. An interrupted bulk load leaves some of these
/// missing; [`ensure_indexes`], run by `Db::migrate` at every start, builds them again.
pub const DEFERRED_INDEXES: [(&str, &str); 6] = [
    ("patients_dob", "CREATE INDEX IF NOT EXISTS patients_dob ON patients (date_of_birth)"),
    (
        "patients_postcode",
        "CREATE INDEX IF NOT EXISTS patients_postcode ON patients (postcode) WHERE postcode IS NOT NULL",
    ),
    ("patients_email", "CREATE INDEX IF NOT EXISTS patients_email ON patients (email) WHERE email IS NOT NULL"),
    (
        "patient_phones_by_patient",
        "CREATE INDEX IF NOT EXISTS patient_phones_by_patient ON patient_phones (patient_id, position)",
    ),
    ("patient_phones_by_number", "CREATE INDEX IF NOT EXISTS patient_phones_by_number ON patient_phones (e164)"),
    ("patient_terms_by_patient", "CREATE INDEX IF NOT EXISTS patient_terms_by_patient ON patient_terms (patient_id)"),
];

/// Whether an index of this name exists (in the current schema on PostgreSQL).
async fn index_exists(db: &Db, name: &str) -> Result<bool> {
    let sql = match db.backend() {
        crate::Backend::Sqlite => "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = $1)",
        crate::Backend::Postgres => "SELECT to_regclass($1) IS NOT NULL",
    };
    Ok(on_db!(db, p => sqlx::query_scalar::<_, bool>(sql).bind(name).fetch_one(p).await)?)
}

/// Drop the [`DEFERRED_INDEXES`] before a bulk load (one committed transaction).
pub async fn drop_deferred_indexes(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    for (name, _) in DEFERRED_INDEXES {
        let sql = sqlx::AssertSqlSafe(format!("DROP INDEX IF EXISTS {name}"));
        on_tx!(&mut tx, c => sqlx::query(sql).execute(c).await.map(|_| ()))?;
    }
    tx.commit().await
}

/// Build whichever [`DEFERRED_INDEXES`] are missing (after a bulk load, or one that was interrupted),
/// each in its own transaction. Returns how many were built.
pub async fn ensure_indexes(db: &Db) -> Result<usize> {
    let mut built = 0;
    for (name, create) in DEFERRED_INDEXES {
        if index_exists(db, name).await? {
            continue;
        }
        let mut tx = db.begin().await?;
        // PostgreSQL: sort in memory rather than in temporary files (the default is 64 MB). SQLite: let the
        // sorter use a helper thread (this connection only).
        let setting = match db.backend() {
            crate::Backend::Postgres => "SET LOCAL maintenance_work_mem = '256MB'",
            crate::Backend::Sqlite => "PRAGMA threads = 2",
        };
        on_tx!(&mut tx, c => sqlx::query(setting).execute(c).await.map(|_| ()))?;
        on_tx!(&mut tx, c => sqlx::query(create).execute(c).await.map(|_| ()))?;
        tx.commit().await?;
        built += 1;
    }
    Ok(built)
}

/// Keep the previous value of one changed field, with who, when and why.
#[allow(clippy::too_many_arguments)]
pub async fn record_history(
    tx: &mut Tx,
    patient_id: Uuid,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    changed_by: Option<Uuid>,
    operation_id: Uuid,
    at: Ts,
    reason: Option<&str>,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO patient_history (id, patient_id, field, old_value, new_value, changed_by, changed_at, reason, operation_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(domain::new_id()).bind(patient_id).bind(field).bind(old).bind(new).bind(changed_by).bind(at).bind(reason)
        .bind(operation_id).execute(c).await.map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_by: Option<Uuid>,
    pub changed_at: Ts,
    pub reason: Option<String>,
}

/// A record's history, newest first.
pub async fn history(conn: impl Into<Conn<'_>>, patient_id: Uuid) -> Result<Vec<HistoryRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT field, old_value, new_value, changed_by, changed_at, reason FROM patient_history \
         WHERE patient_id = $1 ORDER BY changed_at DESC, field")
        .bind(patient_id).fetch_all(c).await)?)
}

/// Record a communication need (AIS).
#[allow(clippy::too_many_arguments)]
pub async fn add_need(
    tx: &mut Tx,
    patient_id: Uuid,
    code: &str,
    category: &str,
    detail: Option<&str>,
    recorded_by: Option<Uuid>,
    at: Ts,
) -> Result<Uuid> {
    let id = domain::new_id();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO patient_needs (id, patient_id, code, category, detail, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id).bind(patient_id).bind(code).bind(category).bind(detail).bind(recorded_by).bind(at)
        .execute(c).await.map(|_| ()))?;
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NeedRow {
    pub id: Uuid,
    pub code: String,
    pub category: String,
    pub detail: Option<String>,
    pub recorded_at: Ts,
    pub reviewed_on: Option<String>,
}

pub async fn needs_of(conn: impl Into<Conn<'_>>, patient_id: Uuid) -> Result<Vec<NeedRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, code, category, detail, recorded_at, reviewed_on FROM patient_needs WHERE patient_id = $1 AND removed_at IS NULL ORDER BY recorded_at")
        .bind(patient_id).fetch_all(c).await)?)
}

/// A related person (carer, next of kin, parent, proxy).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RelatedPersonRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub name: String,
    pub relationship: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub may_book: bool,
    pub may_receive_messages: bool,
    pub consent_recorded_at: Option<Ts>,
    pub consent_source: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub created_at: Ts,
}

pub async fn add_related_person(tx: &mut Tx, r: &RelatedPersonRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO related_people (id, patient_id, name, relationship, phone, email, may_book, may_receive_messages, \
         consent_recorded_at, consent_source, valid_from, valid_to, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(r.id).bind(r.patient_id).bind(&r.name).bind(&r.relationship).bind(&r.phone).bind(&r.email).bind(r.may_book)
        .bind(r.may_receive_messages).bind(r.consent_recorded_at).bind(&r.consent_source).bind(&r.valid_from)
        .bind(&r.valid_to).bind(r.created_at)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn related_people_of(conn: impl Into<Conn<'_>>, patient_id: Uuid) -> Result<Vec<RelatedPersonRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, patient_id, name, relationship, phone, email, may_book, may_receive_messages, consent_recorded_at, \
         consent_source, valid_from, valid_to, created_at FROM related_people WHERE patient_id = $1 AND ended_at IS NULL ORDER BY created_at")
        .bind(patient_id).fetch_all(c).await)?)
}

/// How many active restricted alerts a record has.
pub async fn active_alert_count(conn: impl Into<Conn<'_>>, patient_id: Uuid) -> Result<i64> {
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM patient_alerts WHERE patient_id = $1 AND ended_at IS NULL").bind(patient_id).fetch_one(c).await)?)
}

pub async fn remove_need(tx: &mut Tx, patient_id: Uuid, need_id: Uuid, at: Ts) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE patient_needs SET removed_at = $3 WHERE id = $1 AND patient_id = $2 AND removed_at IS NULL")
        .bind(need_id).bind(patient_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertRow {
    pub id: Uuid,
    pub kind: String,
    pub text: String,
    pub created_by: Option<Uuid>,
    pub created_at: Ts,
}

pub async fn add_alert(
    tx: &mut Tx,
    patient_id: Uuid,
    kind: &str,
    text: &str,
    by: Option<Uuid>,
    at: Ts,
) -> Result<Uuid> {
    let id = domain::new_id();
    on_tx!(tx, c => sqlx::query("INSERT INTO patient_alerts (id, patient_id, kind, text, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id).bind(patient_id).bind(kind).bind(text).bind(by).bind(at).execute(c).await.map(|_| ()))?;
    Ok(id)
}

pub async fn alerts_of(conn: impl Into<Conn<'_>>, patient_id: Uuid) -> Result<Vec<AlertRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, kind, text, created_by, created_at FROM patient_alerts WHERE patient_id = $1 AND ended_at IS NULL ORDER BY created_at")
        .bind(patient_id).fetch_all(c).await)?)
}

pub async fn add_previous_name(tx: &mut Tx, patient_id: Uuid, given: &str, family: &str, at: Ts) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO patient_previous_names (id, patient_id, given_names, family_name, recorded_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(domain::new_id()).bind(patient_id).bind(given).bind(family).bind(at).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Previous names of several records: (patient, given names, family name).
pub async fn previous_names_of(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<(Uuid, String, String)>> {
    let select = "SELECT patient_id, given_names, family_name FROM patient_previous_names WHERE patient_id";
    fetch_for_ids(conn.into(), select, ids, "ORDER BY recorded_at").await
}

/// Point everything that belongs to `from` at `to` (a merge): needs, related people, alerts, other
/// identifiers, previous names, notes of disagreement and history. Phones stay with their record.
pub async fn move_belongings(tx: &mut Tx, from: Uuid, to: Uuid) -> Result<()> {
    for table in [
        "patient_needs",
        "related_people",
        "patient_alerts",
        "patient_identifiers",
        "patient_previous_names",
        "patient_disagreements",
        "patient_history",
    ] {
        let sql = sqlx::AssertSqlSafe(format!("UPDATE {table} SET patient_id = $2 WHERE patient_id = $1"));
        on_tx!(tx, c => sqlx::query(sql).bind(from).bind(to).execute(c).await.map(|_| ()))?;
    }
    name_index::remove_record(tx, from).await
}

/// Mark a record as merged into another; false if it was already merged.
pub async fn mark_merged(tx: &mut Tx, id: Uuid, into: Uuid, at: Ts) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE patients SET merged_into = $2, updated_at = $3, version = version + 1 WHERE id = $1 AND merged_into IS NULL")
        .bind(id).bind(into).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Insert many new records at once; records clashing with an existing NHS or local number are skipped.
/// Returns the ids actually inserted. At most 1,000 rows per call (bind-parameter limits).
pub async fn insert_batch(tx: &mut Tx, rows: &[PatientRow]) -> Result<Vec<Uuid>> {
    insert_rows(tx, rows, true).await
}

/// Insert records; a clash is an error unless `skip_clashes`. Returns the inserted ids.
async fn insert_rows(tx: &mut Tx, rows: &[PatientRow], skip_clashes: bool) -> Result<Vec<Uuid>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (insert, on_clash) =
        if skip_clashes { crate::insert_skipping_clashes(tx.backend()) } else { ("INSERT INTO", "") };
    on_tx!(tx, c => {
        let mut qb = sqlx::QueryBuilder::new(format!("{insert} patients ({COLUMNS}) "));
        qb.push_values(rows, |mut b, p| {
            b.push_bind(p.id).push_bind(p.organisation_id).push_bind(&p.nhs_number).push_bind(&p.nhs_number_status)
                .push_bind(&p.local_number).push_bind(&p.title).push_bind(&p.given_names).push_bind(&p.family_name)
                .push_bind(&p.preferred_name).push_bind(&p.pronouns).push_bind(&p.date_of_birth).push_bind(&p.gender)
                .push_bind(&p.date_of_death).push_bind(&p.registration_status).push_bind(&p.deregistered_on)
                .push_bind(&p.deregistered_reason).push_bind(&p.address_lines).push_bind(&p.town).push_bind(&p.postcode)
                .push_bind(&p.postcode_abroad).push_bind(&p.country).push_bind(&p.email).push_bind(&p.preferred_language)
                .push_bind(&p.interpreter_language).push_bind(&p.contact_times).push_bind(p.merged_into).push_bind(p.version)
                .push_bind(p.created_at).push_bind(p.updated_at);
        });
        qb.push(on_clash).push(" RETURNING id");
        // Only statements of the usual sizes are kept prepared: every other length is new SQL, and keeping
        // each (tens of thousands of parameters) in the statement cache costs megabytes apiece.
        Ok(qb.build_query_scalar::<Uuid>().persistent(matches!(rows.len(), 1 | 500)).fetch_all(c).await?)
    })
}

/// Phones of new records. The ids are new, so nothing clashes; the clash-skipping form only spares SQLite
/// a statement journal.
pub async fn insert_phones_batch(tx: &mut Tx, phones: &[PhoneRow]) -> Result<()> {
    let (insert, on_clash) = crate::insert_skipping_clashes(tx.backend());
    for chunk in phones.chunks(1000) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(format!("{insert} patient_phones (id, patient_id, position, e164, kind) "));
            qb.push_values(chunk, |mut b, p| {
                b.push_bind(domain::new_id()).push_bind(p.patient_id).push_bind(p.position).push_bind(&p.e164).push_bind(&p.kind);
            });
            qb.push(on_clash);
            qb.build().persistent(chunk.len() == 1000).execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactPreferenceRow {
    pub channel: String,
    pub opted_in: bool,
    pub rank: i32,
    pub changed_at: Ts,
    pub source: String,
}

/// Replace a record's channel preferences (in order of preference).
pub async fn set_contact_preferences(tx: &mut Tx, patient_id: Uuid, prefs: &[ContactPreferenceRow]) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM patient_contact_preferences WHERE patient_id = $1").bind(patient_id).execute(c).await.map(|_| ()))?;
    for p in prefs {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO patient_contact_preferences (patient_id, channel, opted_in, rank, changed_at, source) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(patient_id).bind(&p.channel).bind(p.opted_in).bind(p.rank).bind(p.changed_at).bind(&p.source)
            .execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Channel preferences of many new records at once (a bulk load: nothing to replace).
pub async fn insert_contact_preferences_batch(tx: &mut Tx, rows: &[(Uuid, ContactPreferenceRow)]) -> Result<()> {
    for chunk in rows.chunks(1000) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO patient_contact_preferences (patient_id, channel, opted_in, rank, changed_at, source) ");
            qb.push_values(chunk, |mut b, (patient, p)| {
                b.push_bind(*patient).push_bind(&p.channel).push_bind(p.opted_in).push_bind(p.rank)
                    .push_bind(p.changed_at).push_bind(&p.source);
            });
            qb.build().persistent(chunk.len() == 1000).execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

pub async fn contact_preferences_of(conn: impl Into<Conn<'_>>, patient_id: Uuid) -> Result<Vec<ContactPreferenceRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT channel, opted_in, rank, changed_at, source FROM patient_contact_preferences WHERE patient_id = $1 ORDER BY rank")
        .bind(patient_id).fetch_all(c).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdentifierRow {
    pub id: Uuid,
    pub system: String,
    pub value: String,
}

pub async fn add_identifier(tx: &mut Tx, patient_id: Uuid, system: &str, value: &str) -> Result<Uuid> {
    let id = domain::new_id();
    on_tx!(tx, c => sqlx::query("INSERT INTO patient_identifiers (id, patient_id, system, value) VALUES ($1, $2, $3, $4)")
        .bind(id).bind(patient_id).bind(system).bind(value).execute(c).await.map(|_| ()))?;
    Ok(id)
}

pub async fn identifiers_of(conn: impl Into<Conn<'_>>, patient_id: Uuid) -> Result<Vec<IdentifierRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, system, value FROM patient_identifiers WHERE patient_id = $1 ORDER BY system, value")
        .bind(patient_id).fetch_all(c).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisagreementRow {
    pub id: Uuid,
    pub field: String,
    pub note: String,
    pub recorded_at: Ts,
}

pub async fn add_disagreement(
    tx: &mut Tx,
    patient_id: Uuid,
    field: &str,
    note: &str,
    by: Option<Uuid>,
    at: Ts,
) -> Result<Uuid> {
    let id = domain::new_id();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO patient_disagreements (id, patient_id, field, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id).bind(patient_id).bind(field).bind(note).bind(by).bind(at).execute(c).await.map(|_| ()))?;
    Ok(id)
}

pub async fn disagreements_of(conn: impl Into<Conn<'_>>, patient_id: Uuid) -> Result<Vec<DisagreementRow>> {
    Ok(on_conn!(conn.into(), c => sqlx::query_as(
        "SELECT id, field, note, recorded_at FROM patient_disagreements WHERE patient_id = $1 ORDER BY recorded_at")
        .bind(patient_id).fetch_all(c).await)?)
}

/// Ids of live records whose postcode is in this outward code (`BS1` finds `BS1 4DJ`, not `BS10 1AA`).
pub async fn ids_in_outward_code(conn: impl Into<Conn<'_>>, outward: &str, limit: i64) -> Result<Vec<Uuid>> {
    let from = format!("{outward} ");
    let to = format!("{outward}!");
    Ok(on_conn!(conn.into(), c => sqlx::query_scalar(
        "SELECT id FROM patients WHERE postcode >= $1 AND postcode < $2 AND merged_into IS NULL ORDER BY family_name, given_names LIMIT $3")
        .bind(&from).bind(&to).bind(limit).fetch_all(c).await)?)
}

/// Mark a communication need reviewed on a day (`YYYY-MM-DD`). False when the need is not this
/// patient's or has been removed.
pub async fn review_need(tx: &mut Tx, patient_id: Uuid, need_id: Uuid, on: &str) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE patient_needs SET reviewed_on = $3 WHERE id = $1 AND patient_id = $2 AND removed_at IS NULL")
        .bind(need_id).bind(patient_id).bind(on).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Channel preferences of several records: (patient, preference), in each record's order.
pub async fn contact_preferences_of_many(
    conn: impl Into<Conn<'_>>,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, ContactPreferenceRow)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        patient_id: Uuid,
        #[sqlx(flatten)]
        pref: ContactPreferenceRow,
    }
    let rows: Vec<Row> = fetch_for_ids(conn.into(),
        "SELECT patient_id, channel, opted_in, rank, changed_at, source FROM patient_contact_preferences WHERE patient_id",
        ids, "ORDER BY patient_id, rank").await?;
    Ok(rows.into_iter().map(|r| (r.patient_id, r.pref)).collect())
}

/// Active needs of several records: (patient, need).
pub async fn needs_of_many(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<(Uuid, NeedRow)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        patient_id: Uuid,
        #[sqlx(flatten)]
        need: NeedRow,
    }
    let rows: Vec<Row> = fetch_for_ids(conn.into(),
        "SELECT patient_id, id, code, category, detail, recorded_at, reviewed_on FROM patient_needs WHERE removed_at IS NULL AND patient_id",
        ids, "ORDER BY patient_id, recorded_at").await?;
    Ok(rows.into_iter().map(|r| (r.patient_id, r.need)).collect())
}

/// Current related people of several records.
pub async fn related_people_of_many(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<RelatedPersonRow>> {
    fetch_for_ids(
        conn.into(),
        "SELECT id, patient_id, name, relationship, phone, email, may_book, may_receive_messages, consent_recorded_at, \
         consent_source, valid_from, valid_to, created_at FROM related_people WHERE ended_at IS NULL AND patient_id",
        ids,
        "ORDER BY patient_id, created_at",
    )
    .await
}
