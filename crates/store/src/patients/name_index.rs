//! The name index behind patient search.
//!
//! `name_terms` holds each distinct folded name word once; `patient_terms` links a term to the live
//! records that carry it, with the record's sort key, clustered on (term, sort key) so that a page of
//! "everyone called smith…" is read off the index in order; `name_term_variants` holds each term under
//! itself and every string one letter shorter, so a word with one typo finds its terms by exact lookups.

use super::{COLUMNS, PatientRow, fetch_for_ids};
use crate::{Conn, Db, Result, Tx, on_conn, on_db, on_tx};
use domain::patients::names::{TermSource, deletion_variants, record_terms, sort_key};
use std::collections::HashMap;
use uuid::Uuid;

/// What one record is found by: its name terms (with where each came from) and its place in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameIndex {
    pub sort_key: String,
    pub terms: Vec<(String, TermSource)>,
}

/// The index entries of a record and its previous names (`(given, family)` pairs).
pub fn name_index(p: &PatientRow, previous: &[(String, String)]) -> NameIndex {
    NameIndex {
        sort_key: sort_key(&p.family_name, &p.given_names, &p.date_of_birth),
        terms: record_terms(&p.given_names, &p.family_name, p.preferred_name.as_deref(), previous),
    }
}

/// One link from a term to a record.
#[derive(Debug, Clone, Copy)]
pub struct Posting<'a> {
    pub term_id: i64,
    pub sort_key: &'a str,
    pub patient_id: Uuid,
    pub source: TermSource,
}

/// Replace the entries a record is found by.
pub async fn index_record(tx: &mut Tx, patient_id: Uuid, index: NameIndex) -> Result<()> {
    remove_record(tx, patient_id).await?;
    index_records(tx, &[(patient_id, index)], &mut HashMap::new()).await
}

/// Add the entries of new records. `known` caches term ids between calls (a bulk import sees the same
/// names again and again); terms not in it are looked up or added.
pub async fn index_records(tx: &mut Tx, records: &[(Uuid, NameIndex)], known: &mut HashMap<String, i64>) -> Result<()> {
    let mut postings = postings_of(tx, records, known).await?;
    // In index order, so consecutive inserts land on the same pages.
    postings.sort_unstable_by(|a, b| (a.term_id, a.sort_key).cmp(&(b.term_id, b.sort_key)));
    insert_postings(tx, "patient_terms", &postings).await
}

/// Like [`index_records`], for a bulk load: the entries go to `patient_terms_staging`, a table without
/// indexes (appending is cheap), and [`flush_staged`] moves them into `patient_terms` in one sorted pass
/// at the end. Until then these records are not found by name. Written in the same transaction as the
/// records, so an interrupted load leaves no record without its entries: whatever is left staged is moved
/// at the next start (`Db::migrate`).
pub async fn stage_records(tx: &mut Tx, records: &[(Uuid, NameIndex)], known: &mut HashMap<String, i64>) -> Result<()> {
    let postings = postings_of(tx, records, known).await?;
    insert_postings(tx, "patient_terms_staging", &postings).await
}

/// The postings of these records, looking up (or adding) the term ids not in `known`.
async fn postings_of<'a>(
    tx: &mut Tx,
    records: &'a [(Uuid, NameIndex)],
    known: &mut HashMap<String, i64>,
) -> Result<Vec<Posting<'a>>> {
    let mut unknown: Vec<String> = records
        .iter()
        .flat_map(|(_, ix)| ix.terms.iter().map(|(t, _)| t))
        .filter(|t| !known.contains_key(*t))
        .cloned()
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    known.extend(term_ids(tx, &unknown).await?);
    Ok(records
        .iter()
        .flat_map(|(patient_id, ix)| {
            ix.terms.iter().filter_map(|(t, source)| {
                known.get(t).map(|&term_id| Posting {
                    term_id,
                    sort_key: &ix.sort_key,
                    patient_id: *patient_id,
                    source,
                })
            })
        })
        .collect())
}

/// Whether any postings are waiting in `patient_terms_staging`.
pub async fn has_staged(db: &Db) -> Result<bool> {
    let sql = "SELECT EXISTS(SELECT 1 FROM patient_terms_staging)";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, bool>(sql).fetch_one(p).await)?)
}

/// Move every staged posting into `patient_terms` in one transaction, in the table's key order (so the
/// clustered B-tree is appended to rather than written all over), then empty the staging table. Returns
/// how many were moved. Postings already present are skipped, so running it again is harmless.
pub async fn flush_staged(db: &Db) -> Result<u64> {
    if !has_staged(db).await? {
        return Ok(0);
    }
    let (insert, on_clash) = crate::insert_skipping_clashes(db.backend());
    let mut tx = db.begin().await?;
    let pg = tx.backend() == crate::Backend::Postgres;
    // PostgreSQL: sort in memory rather than in temporary files (the default is 4 MB). SQLite: let the
    // sorter use a helper thread (this connection only; the import is waiting, so a core is free).
    let setting = if pg { "SET LOCAL work_mem = '256MB'" } else { "PRAGMA threads = 2" };
    on_tx!(&mut tx, c => sqlx::query(setting).execute(c).await.map(|_| ()))?;
    let sql = sqlx::AssertSqlSafe(format!(
        "{insert} patient_terms (term_id, sort_key, patient_id, source) \
         SELECT term_id, sort_key, patient_id, source FROM patient_terms_staging \
         ORDER BY term_id, sort_key, patient_id, source{on_clash}"
    ));
    let moved = on_tx!(&mut tx, c => sqlx::query(sql).execute(c).await.map(|r| r.rows_affected()))?;
    // TRUNCATE leaves no dead rows behind on PostgreSQL; SQLite empties a table quickly without a WHERE.
    let empty = if pg { "TRUNCATE patient_terms_staging" } else { "DELETE FROM patient_terms_staging" };
    on_tx!(&mut tx, c => sqlx::query(empty).execute(c).await.map(|_| ()))?;
    tx.commit().await?;
    Ok(moved)
}

/// Index a record as it now stands, with its previous names.
pub async fn reindex_record(tx: &mut Tx, p: &PatientRow) -> Result<()> {
    let previous: Vec<(String, String)> =
        super::previous_names_of(&mut *tx, &[p.id]).await?.into_iter().map(|(_, g, f)| (g, f)).collect();
    index_record(tx, p.id, name_index(p, &previous)).await
}

/// Take a record out of search (it was merged into another).
pub async fn remove_record(tx: &mut Tx, patient_id: Uuid) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM patient_terms WHERE patient_id = $1").bind(patient_id).execute(c).await.map(|_| ()))?;
    // Entries still staged by a bulk import in progress (the table is empty otherwise, so this is free).
    on_tx!(tx, c => sqlx::query("DELETE FROM patient_terms_staging WHERE patient_id = $1").bind(patient_id).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Ids of these terms, adding the ones not yet known (with their typo variants).
async fn term_ids(tx: &mut Tx, terms: &[String]) -> Result<Vec<(String, i64)>> {
    let mut terms = terms.to_vec();
    terms.sort_unstable();
    terms.dedup();
    let mut out = Vec::with_capacity(terms.len());
    for chunk in terms.chunks(1000) {
        let (insert, on_clash) = crate::insert_skipping_clashes(tx.backend());
        let added: Vec<(i64, String)> = on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(format!("{insert} name_terms (term) "));
            qb.push_values(chunk, |mut b, t| {
                b.push_bind(t);
            });
            qb.push(on_clash).push(" RETURNING id, term");
            qb.build_query_as::<(i64, String)>().persistent(chunk.len() == 1000).fetch_all(c).await
        })?;
        insert_variants(tx, &added).await?;
        let rows: Vec<(i64, String)> = on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, term FROM name_terms WHERE term IN (");
            let mut sep = qb.separated(", ");
            for t in chunk {
                sep.push_bind(t);
            }
            qb.push(")");
            qb.build_query_as::<(i64, String)>().persistent(chunk.len() == 1000).fetch_all(c).await
        })?;
        out.extend(rows.into_iter().map(|(id, t)| (t, id)));
    }
    Ok(out)
}

async fn insert_variants(tx: &mut Tx, terms: &[(i64, String)]) -> Result<()> {
    let rows: Vec<(String, i64)> =
        terms.iter().flat_map(|(id, t)| deletion_variants(t).into_iter().map(move |v| (v, *id))).collect();
    let (insert, on_clash) = crate::insert_skipping_clashes(tx.backend());
    for chunk in rows.chunks(1000) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(format!("{insert} name_term_variants (variant, term_id) "));
            qb.push_values(chunk, |mut b, (v, id)| {
                b.push_bind(v).push_bind(*id);
            });
            qb.push(on_clash);
            qb.build().persistent(chunk.len() == 1000).execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Link many terms to records at once (`table` is `patient_terms` or its staging table).
async fn insert_postings(tx: &mut Tx, table: &str, postings: &[Posting<'_>]) -> Result<()> {
    let (insert, on_clash) = crate::insert_skipping_clashes(tx.backend());
    for chunk in postings.chunks(1000) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(format!("{insert} {table} (term_id, sort_key, patient_id, source) "));
            qb.push_values(chunk, |mut b, p| {
                b.push_bind(p.term_id).push_bind(p.sort_key).push_bind(p.patient_id).push_bind(p.source);
            });
            qb.push(on_clash);
            qb.build().persistent(chunk.len() == 1000).execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Distinct terms starting with `prefix`, in order, up to `limit`.
pub async fn terms_with_prefix(conn: impl Into<Conn<'_>>, prefix: &str, limit: i64) -> Result<Vec<(i64, String)>> {
    // A half-open range rather than LIKE: it uses the index on both backends whatever the collation.
    let upper = format!("{prefix}\u{10FFFF}");
    let sql = "SELECT id, term FROM name_terms WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3";
    Ok(on_conn!(conn.into(), c => sqlx::query_as(sql).bind(prefix).bind(&upper).bind(limit).fetch_all(c).await)?)
}

/// Terms filed under any of these variants (candidates one edit from the word they came from), up to
/// `limit`.
pub async fn terms_by_variants(
    conn: impl Into<Conn<'_>>,
    variants: &[String],
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    if variants.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on_conn!(conn.into(), c => {
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT DISTINCT t.id, t.term FROM name_term_variants v JOIN name_terms t ON t.id = v.term_id WHERE v.variant IN (",
        );
        let mut sep = qb.separated(", ");
        for v in variants {
            sep.push_bind(v);
        }
        qb.push(") LIMIT ").push_bind(limit);
        qb.build_query_as::<(i64, String)>().fetch_all(c).await
    })?)
}

/// The first `per_term` records of each term in list order: (term, patient, sort key). One round trip
/// for up to 64 terms, each read as a short ordered index range.
pub async fn first_postings(
    conn: impl Into<Conn<'_>>,
    term_ids: &[i64],
    per_term: i64,
) -> Result<Vec<(i64, Uuid, String)>> {
    if term_ids.is_empty() {
        return Ok(Vec::new());
    }
    assert!(term_ids.len() <= 64, "first_postings takes at most 64 terms at a time");
    let conn = conn.into();
    let pg = conn.backend() == crate::Backend::Postgres;
    Ok(on_conn!(conn, c => {
        let mut qb = sqlx::QueryBuilder::new("");
        if pg {
            // One LATERAL read per term (PostgreSQL plans a 64-way UNION slowly).
            qb.push("SELECT t.id, p.patient_id, p.sort_key FROM (VALUES ");
            let mut sep = qb.separated(", ");
            for id in term_ids {
                sep.push("(").push_bind_unseparated(*id).push_unseparated("::bigint)");
            }
            qb.push(") AS t(id) CROSS JOIN LATERAL (SELECT patient_id, sort_key FROM patient_terms WHERE term_id = t.id \
                     ORDER BY sort_key, patient_id LIMIT ")
                .push_bind(per_term)
                .push(") p");
        } else {
            for (i, id) in term_ids.iter().enumerate() {
                if i > 0 {
                    qb.push(" UNION ALL ");
                }
                qb.push("SELECT term_id, patient_id, sort_key FROM (SELECT term_id, patient_id, sort_key FROM patient_terms WHERE term_id = ")
                    .push_bind(*id)
                    .push(" ORDER BY sort_key, patient_id LIMIT ")
                    .push_bind(per_term)
                    .push(format!(") AS t{i}"));
            }
        }
        qb.build_query_as::<(i64, Uuid, String)>().fetch_all(c).await
    })?)
}

/// Records carrying a term that starts with `prefix`, in (term, name) order: (term, patient, sort key),
/// up to `limit` rows. Read as a nested loop over two ordered indexes, so it stops after `limit` rows
/// however many people the prefix matches.
pub async fn prefix_postings(
    conn: impl Into<Conn<'_>>,
    prefix: &str,
    limit: i64,
) -> Result<Vec<(String, Uuid, String)>> {
    let conn = conn.into();
    let upper = format!("{prefix}\u{10FFFF}");
    // PostgreSQL sorts a nested loop's output by the outer order only, so without a limit per term it
    // would read every "smith" before sorting them; LATERAL with LIMIT reads each term's first rows only.
    let sql = match conn.backend() {
        crate::Backend::Sqlite => {
            "SELECT t.term, p.patient_id, p.sort_key FROM name_terms t JOIN patient_terms p ON p.term_id = t.id \
             WHERE t.term >= $1 AND t.term < $2 ORDER BY t.term, p.sort_key, p.patient_id LIMIT $3"
        }
        crate::Backend::Postgres => {
            "SELECT t.term, p.patient_id, p.sort_key FROM \
             (SELECT id, term FROM name_terms WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3) t \
             CROSS JOIN LATERAL (SELECT patient_id, sort_key FROM patient_terms WHERE term_id = t.id \
             ORDER BY sort_key, patient_id LIMIT $3) p ORDER BY t.term, p.sort_key, p.patient_id LIMIT $3"
        }
    };
    Ok(on_conn!(conn, c => sqlx::query_as(sql).bind(prefix).bind(&upper).bind(limit).fetch_all(c).await)?)
}

/// Like [`count_patients`], for every term starting with `prefix`.
pub async fn count_prefix(conn: impl Into<Conn<'_>>, prefix: &str, cap: i64) -> Result<(i64, i64)> {
    let conn = conn.into();
    let upper = format!("{prefix}\u{10FFFF}");
    let sql = match conn.backend() {
        crate::Backend::Sqlite => {
            "SELECT count(*), count(DISTINCT patient_id) FROM (SELECT p.patient_id FROM name_terms t \
             JOIN patient_terms p ON p.term_id = t.id WHERE t.term >= $1 AND t.term < $2 LIMIT $3) AS s"
        }
        // The limit per term keeps PostgreSQL on an index scan that stops early.
        crate::Backend::Postgres => {
            "SELECT count(*), count(DISTINCT patient_id) FROM (SELECT p.patient_id FROM \
             (SELECT id FROM name_terms WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3) t \
             CROSS JOIN LATERAL (SELECT patient_id FROM patient_terms WHERE term_id = t.id LIMIT $3) p LIMIT $3) AS s"
        }
    };
    Ok(on_conn!(conn, c => sqlx::query_as(sql).bind(prefix).bind(&upper).bind(cap).fetch_one(c).await)?)
}

/// How many different records carry any of these terms, reading at most `cap` postings: (postings read,
/// distinct records among them). When the first equals `cap` there may be more.
pub async fn count_patients(conn: impl Into<Conn<'_>>, term_ids: &[i64], cap: i64) -> Result<(i64, i64)> {
    if term_ids.is_empty() {
        return Ok((0, 0));
    }
    let conn = conn.into();
    let pg = conn.backend() == crate::Backend::Postgres;
    Ok(on_conn!(conn, c => {
        let mut qb = sqlx::QueryBuilder::new("SELECT count(*), count(DISTINCT patient_id) FROM (");
        if pg {
            // A limit per term keeps PostgreSQL on index scans that stop early.
            qb.push("SELECT p.patient_id FROM (VALUES ");
            let mut sep = qb.separated(", ");
            for id in term_ids {
                sep.push("(").push_bind_unseparated(*id).push_unseparated("::bigint)");
            }
            qb.push(") AS t(id) CROSS JOIN LATERAL (SELECT patient_id FROM patient_terms WHERE term_id = t.id LIMIT ")
                .push_bind(cap)
                .push(") p");
        } else {
            qb.push("SELECT patient_id FROM patient_terms WHERE term_id IN (");
            let mut sep = qb.separated(", ");
            for id in term_ids {
                sep.push_bind(*id);
            }
            qb.push(")");
        }
        qb.push(" LIMIT ").push_bind(cap).push(") AS s");
        qb.build_query_as::<(i64, i64)>().fetch_one(c).await
    })?)
}

/// Records carrying any of the terms: (term, patient, sort key), up to `limit` rows.
pub async fn postings(conn: impl Into<Conn<'_>>, term_ids: &[i64], limit: i64) -> Result<Vec<(i64, Uuid, String)>> {
    if term_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on_conn!(conn.into(), c => {
        let mut qb = sqlx::QueryBuilder::new("SELECT term_id, patient_id, sort_key FROM patient_terms WHERE term_id IN (");
        let mut sep = qb.separated(", ");
        for id in term_ids {
            sep.push_bind(*id);
        }
        qb.push(") LIMIT ").push_bind(limit);
        qb.build_query_as::<(i64, Uuid, String)>().fetch_all(c).await
    })?)
}

/// Every term each of these records carries: (patient, term).
pub async fn terms_of(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<(Uuid, i64)>> {
    fetch_for_ids(conn.into(), "SELECT patient_id, term_id FROM patient_terms WHERE patient_id", ids, "").await
}

/// Whether the index must be rebuilt: live records on file but no postings (after a migration that
/// reshaped the index, or one that was interrupted).
pub async fn needs_rebuild(db: &Db) -> Result<bool> {
    let sql = "SELECT EXISTS(SELECT 1 FROM patients WHERE merged_into IS NULL) \
               AND NOT EXISTS(SELECT 1 FROM patient_terms)";
    Ok(on_db!(db, p => sqlx::query_scalar::<_, bool>(sql).fetch_one(p).await)?)
}

/// Rebuild the whole index in one transaction (so an interrupted rebuild leaves it empty and is done
/// again at the next start): variants of every known term, then every live record's entries.
pub async fn rebuild(db: &Db, mut progress: impl FnMut(u64)) -> Result<u64> {
    const BATCH: i64 = 2_000;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM patient_terms").execute(c).await.map(|_| ()))?;
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM name_term_variants").execute(c).await.map(|_| ()))?;
    let mut after = 0i64;
    loop {
        let terms: Vec<(i64, String)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id, term FROM name_terms WHERE id > $1 ORDER BY id LIMIT $2").bind(after).bind(BATCH).fetch_all(c).await)?;
        let Some((last, _)) = terms.last() else { break };
        after = *last;
        insert_variants(&mut tx, &terms).await?;
    }
    let mut done = 0u64;
    let mut after = Uuid::nil();
    let mut known = HashMap::new();
    let select = format!("SELECT {COLUMNS} FROM patients WHERE merged_into IS NULL AND id > $1 ORDER BY id LIMIT $2");
    loop {
        let rows: Vec<PatientRow> = on_tx!(&mut tx, c => sqlx::query_as(sqlx::AssertSqlSafe(select.as_str())).bind(after).bind(BATCH).fetch_all(c).await)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
        let mut previous: HashMap<Uuid, Vec<(String, String)>> = HashMap::new();
        for (id, given, family) in super::previous_names_of(&mut tx, &ids).await? {
            previous.entry(id).or_default().push((given, family));
        }
        let indexes: Vec<(Uuid, NameIndex)> =
            rows.iter().map(|p| (p.id, name_index(p, previous.get(&p.id).map(Vec::as_slice).unwrap_or(&[])))).collect();
        index_records(&mut tx, &indexes, &mut known).await?;
        done += rows.len() as u64;
        progress(done);
    }
    tx.commit().await?;
    Ok(done)
}
