//! Importing patients from another system's CSV export (`carefront import patients FILE.csv`).
//!
//! Streaming: rows are read, checked with the same rules as the API, and written in batches of 25,000,
//! each batch in one transaction, so memory stays flat however long the file and no row is ever half-written.
//! A row whose NHS number or local number is already on file is skipped, so running the same file again
//! adds nothing. Rejected rows are reported (row, field, reason) and the rest go in.
//!
//! Into a registry that holds few records (a practice moving from another system), the import is a *bulk
//! load*: it drops the registry's non-unique indexes first and builds them at the end (one sort each instead
//! of a random B-tree insert per row), and stages the name postings in an unindexed table that is moved into
//! the search index in one sorted pass at the end. The unique NHS and local number indexes stay, so
//! duplicates are still caught as the rows go in. Until the end, the imported records are not found by name
//! search, and searches by date of birth, postcode, email or phone scan the table. If the import is
//! interrupted, the next start of Carefront (`Db::migrate`) finishes that last step.

use super::record::row_for_import;
use crate::governance::access::Access;
use crate::{App, AppError, Ctx, Result};
use domain::governance::audit::Outcome;
use domain::governance::{Action, Purpose};
use domain::patients::record::{PatientInput, PhoneInput};
use std::collections::{HashMap, HashSet};
use store::Ts;
use store::patients::name_index::{self, NameIndex};
use store::patients::{self as patient_store, PatientRow, PhoneRow};
use uuid::Uuid;

/// The columns Carefront reads (any order; a header row is required). Only `given_names`,
/// `family_name` and `date_of_birth` are required.
pub const COLUMNS: [&str; 22] = [
    "nhs_number",
    "local_number",
    "title",
    "given_names",
    "family_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "gender",
    "date_of_death",
    "registration_status",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "town",
    "postcode",
    "country",
    "mobile",
    "phone",
    "email",
    "preferred_language",
    "interpreter_language",
];
const REQUIRED: [&str; 3] = ["given_names", "family_name", "date_of_birth"];
/// Rows per transaction. In a bulk load the indexes written per row are few (the unique NHS and local
/// numbers, name terms), so a commit writes little besides the new rows and batches can stay small, which
/// keeps memory low (two batches are in memory at a time: one being read, one being written). Into a large
/// registry every index is written at random places, and fewer, larger commits write each page less often.
const BATCH: usize = 25_000;
const BATCH_INTO_LARGE_REGISTRY: usize = 100_000;
/// A bulk load (see the module documentation) is used when at most this many live records are on file:
/// building their indexes again at the end costs well under a second.
const BULK_LOAD_MAX_ON_FILE: i64 = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: u64,
    pub added: u64,
    pub already_present: u64,
    pub rejected: u64,
}

/// One problem with one row (row 2 is the first row after the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub row: u64,
    pub field: String,
    pub reason: String,
}

fn input_from(record: &csv::StringRecord, index: &HashMap<&'static str, usize>) -> PatientInput {
    let get = |name: &str| {
        index.get(name).and_then(|&i| record.get(i)).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
    };
    let mut phones = Vec::new();
    if let Some(m) = get("mobile") {
        phones.push(PhoneInput { number: m, kind: Some("mobile".into()) });
    }
    if let Some(p) = get("phone") {
        phones.push(PhoneInput { number: p, kind: None });
    }
    PatientInput {
        nhs_number: get("nhs_number"),
        nhs_number_status: None,
        local_number: get("local_number"),
        title: get("title"),
        given_names: get("given_names").unwrap_or_default(),
        family_name: get("family_name").unwrap_or_default(),
        preferred_name: get("preferred_name"),
        pronouns: get("pronouns"),
        date_of_birth: get("date_of_birth").unwrap_or_default(),
        gender: get("gender"),
        date_of_death: get("date_of_death"),
        registration_status: get("registration_status"),
        deregistered_on: None,
        deregistered_reason: None,
        address_lines: ["address_line_1", "address_line_2", "address_line_3"].iter().filter_map(|c| get(c)).collect(),
        town: get("town"),
        postcode: get("postcode"),
        country: get("country"),
        phones,
        email: get("email"),
        preferred_language: get("preferred_language"),
        interpreter_language: get("interpreter_language"),
        contact_times: None,
    }
}

/// How an import writes: into which organisation, whether as a bulk load, in batches of how many rows.
#[derive(Debug, Clone, Copy)]
struct Plan {
    org_id: Uuid,
    bulk: bool,
    batch_size: usize,
}

/// A batch being written: it gives back how many records were new, and the term cache.
type BatchTask = tokio::task::JoinHandle<Result<(u64, HashMap<String, i64>)>>;

/// The outcome of a batch-writing task.
async fn finished(task: BatchTask) -> Result<(u64, HashMap<String, i64>)> {
    task.await.map_err(|e| AppError::Internal(format!("an import batch stopped: {e}")))?
}

/// Map a validation field name to the CSV column it came from.
fn column_of(field: &str, input: &PatientInput) -> String {
    if let Some(rest) = field.strip_prefix("phones[") {
        let i: usize = rest.split(']').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let mobile_first = input.phones.first().is_some_and(|p| p.kind.as_deref() == Some("mobile"));
        return if i == 0 && mobile_first { "mobile".into() } else { "phone".into() };
    }
    if let Some(rest) = field.strip_prefix("address_lines[") {
        let i: usize = rest.split(']').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        return format!("address_line_{}", i + 1);
    }
    field.to_owned()
}

impl App {
    /// Import patients from CSV. `rejected` receives each problem; `progress` is called after each batch.
    pub async fn import_patients<R: std::io::Read>(
        &self,
        ctx: &Ctx,
        input: R,
        mut rejected: impl FnMut(&Rejection) -> std::io::Result<()>,
        mut progress: impl FnMut(&ImportSummary),
    ) -> Result<ImportSummary> {
        let grant = self
            .authorize_or_operator(
                ctx,
                Access::general(Action::RegisterPatient, Purpose::Administration, "patient_import"),
            )
            .await?;
        drop(grant); // each batch records its own event below
        let org = store::organisation::first_organisation(self.db())
            .await?
            .ok_or_else(|| AppError::Internal("no organisation is set up; run the server once first".into()))?;
        let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(input);
        let headers = reader
            .headers()
            .map_err(|e| AppError::invalid("file", format!("The file has no readable header row: {e}")))?
            .clone();
        let mut index: HashMap<&'static str, usize> = HashMap::new();
        let mut errors = domain::validation::Errors::new();
        for (i, h) in headers.iter().enumerate() {
            let name = h.trim().trim_start_matches('\u{feff}').to_lowercase();
            match COLUMNS.iter().find(|c| **c == name) {
                Some(c) => {
                    index.insert(c, i);
                }
                None => errors.add("header", format!("Unknown column '{h}'. Carefront reads: {}", COLUMNS.join(", "))),
            }
        }
        for r in REQUIRED {
            if !index.contains_key(r) {
                errors.add("header", format!("The column '{r}' is required"));
            }
        }
        errors.finish()?;

        // A bulk load when the registry is (nearly) empty: see the module documentation.
        let bulk = patient_store::count(self.db()).await? <= BULK_LOAD_MAX_ON_FILE;
        if bulk {
            tracing::info!("bulk load: building the registry's indexes at the end");
            patient_store::drop_deferred_indexes(self.db()).await?;
        }
        let plan = Plan { org_id: org.id, bulk, batch_size: if bulk { BATCH } else { BATCH_INTO_LARGE_REGISTRY } };
        let outcome = self.import_rows(ctx, plan, &mut reader, &index, &mut rejected, &mut progress).await;
        if bulk {
            // Also after a failure: what was committed must be searchable and every index present.
            let finished = self.finish_bulk_load().await;
            let summary = outcome?;
            finished?;
            return Ok(summary);
        }
        outcome
    }

    /// Read, check and write every row. Returns once every batch it started has ended.
    async fn import_rows<R: std::io::Read>(
        &self,
        ctx: &Ctx,
        plan: Plan,
        reader: &mut csv::Reader<R>,
        index: &HashMap<&'static str, usize>,
        rejected: &mut impl FnMut(&Rejection) -> std::io::Result<()>,
        progress: &mut impl FnMut(&ImportSummary),
    ) -> Result<ImportSummary> {
        let Plan { org_id, bulk, batch_size } = plan;
        let today = super::today();
        let mut summary = ImportSummary::default();
        // Batches are written by a task of their own while the next one is read and checked here (SQLite
        // does its work on another thread, so the two overlap); one batch at a time, in file order. The
        // term cache travels with the batch being written.
        let mut term_cache: Option<HashMap<String, i64>> = Some(HashMap::new());
        let mut writing: Option<BatchTask> = None;
        let mut batch: Vec<(PatientRow, Vec<PhoneRow>)> = Vec::with_capacity(batch_size);
        let mut record = csv::StringRecord::new();
        let read: Result<()> = async {
            loop {
                let more = match reader.read_record(&mut record) {
                    Ok(more) => more,
                    Err(e) => {
                        summary.rows += 1;
                        summary.rejected += 1;
                        let row = e.position().map(|p| p.line()).unwrap_or(summary.rows + 1);
                        rejected(&Rejection {
                            row,
                            field: "row".into(),
                            reason: format!("This row could not be read: {e}"),
                        })
                        .map_err(|e| AppError::Internal(e.to_string()))?;
                        continue;
                    }
                };
                if more {
                    summary.rows += 1;
                    let row_number = record.position().map(|p| p.line()).unwrap_or(summary.rows + 1);
                    let input = input_from(&record, index);
                    match input.validate(today) {
                        Ok(details) => {
                            let now = Ts(domain::time::now());
                            batch.push(row_for_import(&details, domain::new_id(), org_id, now));
                        }
                        Err(inv) => {
                            summary.rejected += 1;
                            for e in inv.0 {
                                rejected(&Rejection {
                                    row: row_number,
                                    field: column_of(&e.field, &input),
                                    reason: e.message,
                                })
                                .map_err(|e| AppError::Internal(e.to_string()))?;
                            }
                        }
                    }
                }
                if batch.len() >= batch_size || (!more && !batch.is_empty()) {
                    let mut cache = match writing.take() {
                        Some(task) => {
                            let (added, cache) = finished(task).await?;
                            summary.added += added;
                            progress(&summary);
                            cache
                        }
                        None => term_cache.take().unwrap_or_default(),
                    };
                    let (app, ctx) = (self.clone(), ctx.clone());
                    let rows = std::mem::replace(&mut batch, Vec::with_capacity(batch_size));
                    writing = Some(tokio::spawn(async move {
                        let added = app.write_import_batch(&ctx, rows, &mut cache, bulk).await?;
                        Ok((added, cache))
                    }));
                }
                if !more {
                    return Ok(());
                }
            }
        }
        .await;
        // The batch still being written ends (commits or fails) before this returns, also on an error.
        let last = match writing.take() {
            Some(task) => finished(task).await.map(|(added, _)| added),
            None => Ok(0),
        };
        read?;
        summary.added += last?;
        summary.already_present = summary.rows - summary.rejected - summary.added;
        progress(&summary);
        Ok(summary)
    }

    /// The end of a bulk load: the staged name postings go into the search index in one sorted pass, and
    /// the indexes dropped at the start are built.
    async fn finish_bulk_load(&self) -> Result<()> {
        let started = std::time::Instant::now();
        let moved = name_index::flush_staged(self.db()).await?;
        let sorted = started.elapsed();
        let built = patient_store::ensure_indexes(self.db()).await?;
        tracing::info!(
            postings = moved,
            postings_ms = sorted.as_millis() as u64,
            indexes = built,
            indexes_ms = (started.elapsed() - sorted).as_millis() as u64,
            "bulk load finished: name postings moved and indexes built"
        );
        Ok(())
    }

    /// Write one batch in one transaction; returns how many were new. In a bulk load the name postings are
    /// staged (see [`name_index::stage_records`]).
    async fn write_import_batch(
        &self,
        ctx: &Ctx,
        batch: Vec<(PatientRow, Vec<PhoneRow>)>,
        term_cache: &mut HashMap<String, i64>,
        bulk: bool,
    ) -> Result<u64> {
        let (rows, phones): (Vec<PatientRow>, Vec<Vec<PhoneRow>>) = batch.into_iter().unzip();
        let mut tx = self.db().begin().await?;
        let mut inserted: HashSet<Uuid> = HashSet::with_capacity(rows.len());
        for chunk in rows.chunks(500) {
            inserted.extend(patient_store::insert_batch(&mut tx, chunk).await?);
        }
        let phones: Vec<PhoneRow> =
            rows.iter().zip(phones).filter(|(r, _)| inserted.contains(&r.id)).flat_map(|(_, p)| p).collect();
        patient_store::insert_phones_batch(&mut tx, &phones).await?;
        let indexes: Vec<(Uuid, NameIndex)> =
            rows.iter().filter(|r| inserted.contains(&r.id)).map(|r| (r.id, name_index::name_index(r, &[]))).collect();
        if bulk {
            name_index::stage_records(&mut tx, &indexes, term_cache).await?;
        } else {
            name_index::index_records(&mut tx, &indexes, term_cache).await?;
        }
        let mut e = crate::governance::access::entry(ctx, "import_patients", "patient", None, Outcome::Allowed);
        e.purpose = Some(Purpose::Administration.as_str().into());
        e.reason = Some(format!(
            "{} rows in batch, {} new, {} already on file",
            rows.len(),
            inserted.len(),
            rows.len() - inserted.len()
        ));
        store::governance::audit::append(&mut tx, e).await?;
        tx.commit().await?;
        Ok(inserted.len() as u64)
    }
}
