//! Practice edits to the shipped message templates. Every save is a new version of one part of one
//! message in one language; the newest version is the wording in use and the older ones are its history
//! (nothing is updated or deleted). A version with no text puts the shipped wording back.

use crate::{Conn, Result, Ts, Tx, on_conn, on_tx};
use uuid::Uuid;

/// Which template part an edit is for, in the domain's codes (`domain::messaging::{Kind, Channel, …}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TemplateKey {
    pub kind: String,
    pub channel: String,
    pub variant: String,
    /// `subject` or `body`.
    pub part: String,
    pub language: String,
}

/// One saved version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TemplateEditRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub kind: String,
    pub channel: String,
    pub variant: String,
    pub part: String,
    pub language: String,
    pub version: i32,
    /// The Fluent pattern; `None`: the shipped wording was put back.
    pub text: Option<String>,
    pub edited_at: Ts,
    pub edited_by: Option<Uuid>,
}

impl TemplateEditRow {
    pub fn key(&self) -> TemplateKey {
        TemplateKey {
            kind: self.kind.clone(),
            channel: self.channel.clone(),
            variant: self.variant.clone(),
            part: self.part.clone(),
            language: self.language.clone(),
        }
    }
}

/// A version with the name of the person who saved it, for the editor's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TemplateVersion {
    #[sqlx(flatten)]
    pub row: TemplateEditRow,
    pub editor_name: Option<String>,
}

const COLUMNS: &str = "t.id, t.organisation_id, t.kind, t.channel, t.variant, t.part, t.language, t.version, t.text, t.edited_at, \
     t.edited_by";
const SAME_KEY: &str = "kind = $2 AND channel = $3 AND variant = $4 AND part = $5 AND language = $6";

/// Add a version. Its number must be one more than the newest (see [`latest_version`], read in the same
/// transaction); two saves racing for the same number clash on the unique key and the second fails.
pub async fn insert(tx: &mut Tx, r: &TemplateEditRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO template_edits (id, organisation_id, kind, channel, variant, part, language, version, text, \
         edited_at, edited_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(r.id).bind(r.organisation_id).bind(&r.kind).bind(&r.channel).bind(&r.variant).bind(&r.part)
        .bind(&r.language).bind(r.version).bind(&r.text).bind(r.edited_at).bind(r.edited_by)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The newest version number for one part, 0 when it was never edited.
pub async fn latest_version(conn: impl Into<Conn<'_>>, organisation: Uuid, key: &TemplateKey) -> Result<i32> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT COALESCE(MAX(version), 0) FROM template_edits WHERE organisation_id = $1 AND {SAME_KEY}"
    ));
    let v: i32 = on_conn!(conn.into(), c => sqlx::query_scalar(sql)
        .bind(organisation).bind(&key.kind).bind(&key.channel).bind(&key.variant).bind(&key.part)
        .bind(&key.language).fetch_one(c).await)?;
    Ok(v)
}

/// The newest version of every edited part (including those put back to the shipped wording, whose text
/// is `None`), in a stable order.
pub async fn current(conn: impl Into<Conn<'_>>, organisation: Uuid) -> Result<Vec<TemplateEditRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM template_edits t WHERE t.organisation_id = $1 AND t.version = (\
           SELECT MAX(u.version) FROM template_edits u WHERE u.organisation_id = t.organisation_id \
           AND u.kind = t.kind AND u.channel = t.channel AND u.variant = t.variant AND u.part = t.part \
           AND u.language = t.language) \
         ORDER BY t.kind, t.channel, t.variant, t.part, t.language"
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(organisation).fetch_all(c).await)?)
}

/// Every version of one part, newest first, with who saved it.
pub async fn history(conn: impl Into<Conn<'_>>, organisation: Uuid, key: &TemplateKey) -> Result<Vec<TemplateVersion>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, u.display_name AS editor_name FROM template_edits t \
         LEFT JOIN users u ON u.id = t.edited_by \
         WHERE t.organisation_id = $1 AND t.{} ORDER BY t.version DESC",
        SAME_KEY.replace(" AND ", " AND t.")
    ));
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql)
        .bind(organisation).bind(&key.kind).bind(&key.channel).bind(&key.variant).bind(&key.part)
        .bind(&key.language).fetch_all(c).await)?)
}
