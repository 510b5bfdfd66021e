//! One search box for patients: NHS number (with or without spaces), date of birth (several formats),
//! phone, postcode, email, and names (prefix, case- and accent-insensitive, one typo, preferred names),
//! alone or a date of birth with a name. Results are ranked and paged; every search is audited with its
//! purpose (but not its text, which is itself patient data).

use super::{actor, default_purpose};
use crate::governance::access::Access;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose};
use domain::patients::dates::parse_date;
use domain::patients::names::{fold, terms, within_one_edit};
use domain::patients::{EmailAddress, NhsNumber, PhoneNumber, Postcode};
use std::collections::HashMap;
use store::patients::{self as patient_store, ExactColumn, PatientRow};
use uuid::Uuid;

/// Terms a name term may expand to (prefix and one-typo matches), at most.
const TERM_FANOUT: i64 = 400;
/// Patients considered for one name term, at most.
const POSTINGS_LIMIT: i64 = 5_000;
pub const PAGE_SIZE: usize = 20;

/// What the search box was understood to contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    NhsNumber,
    DateOfBirth,
    DateOfBirthAndName,
    Phone,
    Postcode,
    Email,
    Name,
}

impl QueryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryKind::NhsNumber => "nhs_number",
            QueryKind::DateOfBirth => "date_of_birth",
            QueryKind::DateOfBirthAndName => "date_of_birth_and_name",
            QueryKind::Phone => "phone",
            QueryKind::Postcode => "postcode",
            QueryKind::Email => "email",
            QueryKind::Name => "name",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    pub kind: QueryKind,
    pub patients: Vec<PatientRow>,
    pub total: usize,
    pub page: usize,
    /// More records matched than were considered: the person should add to the search.
    pub truncated: bool,
}

/// Split a date out of the query (`smith 1 feb 1980`, `01/02/1980 smith`), leaving the name words.
fn date_and_rest(q: &str) -> Option<(jiff::civil::Date, String)> {
    let words: Vec<&str> = q.split_whitespace().collect();
    for len in [3usize, 1] {
        for start in 0..words.len().saturating_sub(len - 1) {
            if let Some(d) = parse_date(&words[start..start + len].join(" ")) {
                let rest: Vec<&str> = words[..start].iter().chain(&words[start + len..]).copied().collect();
                return Some((d, rest.join(" ")));
            }
        }
    }
    None
}

/// An outward code alone (`BS1`, `SW1A`, `CF10`): letters then a digit, which no name has.
fn outward_code(q: &str) -> Option<String> {
    let c = q.trim().to_ascii_uppercase();
    let b = c.as_bytes();
    let letters = b.iter().take_while(|x| x.is_ascii_uppercase()).count();
    let ok = (1..=2).contains(&letters)
        && (letters + 1..=letters + 2).contains(&b.len())
        && b[letters].is_ascii_digit()
        && b[letters + 1..].iter().all(|x| x.is_ascii_alphanumeric());
    ok.then_some(c)
}

fn looks_like_phone(q: &str) -> bool {
    let digits = q.chars().filter(char::is_ascii_digit).count();
    (q.starts_with('+') || q.starts_with('0'))
        && digits >= 10
        && q.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

/// How well a record's names match the query terms: None when some term does not match at all.
/// Each term scores 3 for a whole-word match, 2 for a prefix, 1 for a one-letter typo.
pub fn name_score(p: &PatientRow, previous: &[String], query_terms: &[String]) -> Option<u32> {
    let mut words: Vec<String> = terms(&p.given_names);
    words.extend(terms(&p.family_name));
    if let Some(pref) = &p.preferred_name {
        words.extend(terms(pref));
    }
    words.extend(previous.iter().flat_map(|n| terms(n)));
    let mut total = 0;
    for q in query_terms {
        let best = words
            .iter()
            .map(|w| {
                if w == q {
                    3
                } else if w.starts_with(q.as_str()) {
                    2
                } else if q.chars().count() >= 3 && within_one_edit(w, q) {
                    1
                } else {
                    0
                }
            })
            .max()
            .unwrap_or(0);
        if best == 0 {
            return None;
        }
        total += best;
    }
    Some(total)
}

impl App {
    /// Previous names ("given family") of these records.
    async fn previous_names(&self, rows: &[PatientRow]) -> Result<HashMap<Uuid, Vec<String>>> {
        let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
        let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
        for (id, given, family) in patient_store::previous_names_of(self.db(), &ids).await? {
            out.entry(id).or_default().push(format!("{given} {family}"));
        }
        Ok(out)
    }

    /// Run a search. `page` counts from 1.
    pub async fn search_patients(
        &self,
        ctx: &Ctx,
        query: &str,
        purpose: Option<Purpose>,
        page: usize,
    ) -> Result<SearchResults> {
        let who = actor(ctx)?;
        let query = query.trim();
        if query.is_empty() {
            return Err(AppError::invalid("q", "Enter a name, NHS number, date of birth, phone number or postcode"));
        }
        if query.chars().count() > 200 {
            return Err(AppError::invalid("q", "Search for 200 characters or fewer"));
        }
        let purpose = purpose.unwrap_or_else(|| default_purpose(who.role));
        let grant = self.authorize(ctx, Access::general(Action::SearchPatients, purpose, "patient_search")).await?;
        let (kind, mut scored, truncated) = self.find(query).await?;
        // Rank: best name match first, then alphabetically by family name, given names, date of birth.
        scored.sort_by_cached_key(|(p, score)| {
            (std::cmp::Reverse(*score), fold(&p.family_name), fold(&p.given_names), p.date_of_birth.clone())
        });
        let total = scored.len();
        let page = page.max(1);
        let patients: Vec<PatientRow> =
            scored.into_iter().skip((page - 1) * PAGE_SIZE).take(PAGE_SIZE).map(|(p, _)| p).collect();
        let mut tx = self.db().begin().await?;
        let grant = grant.named("search_patients");
        let mut entry_reason = format!("{} search, {total} found", kind.as_str());
        if truncated {
            entry_reason.push_str(" (more not shown)");
        }
        grant.with_reason(entry_reason).record(&mut tx).await?;
        tx.commit().await?;
        Ok(SearchResults { kind, patients, total, page, truncated })
    }

    /// Candidate records with a score (higher is better).
    async fn find(&self, q: &str) -> Result<(QueryKind, Vec<(PatientRow, u32)>, bool)> {
        let db = self.db();
        let unscored = |rows: Vec<PatientRow>| rows.into_iter().map(|p| (p, 0)).collect::<Vec<_>>();
        let compact: String = q.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if compact.len() == 10
            && compact.chars().all(|c| c.is_ascii_digit())
            && let Ok(n) = NhsNumber::parse(&compact)
        {
            let found = patient_store::by_nhs_number(db, &n.digits()).await?;
            return Ok((QueryKind::NhsNumber, unscored(found.into_iter().collect()), false));
        }
        if looks_like_phone(q)
            && let Ok(phone) = PhoneNumber::parse(q)
        {
            let ids = patient_store::ids_by_phone(db, phone.e164(), 200).await?;
            return Ok((QueryKind::Phone, unscored(patient_store::by_ids(db, &ids).await?), ids.len() >= 200));
        }
        if q.contains('@')
            && let Ok(email) = EmailAddress::parse(q)
        {
            let ids = patient_store::ids_where(db, ExactColumn::Email, email.as_str(), 200).await?;
            return Ok((QueryKind::Email, unscored(patient_store::by_ids(db, &ids).await?), ids.len() >= 200));
        }
        if let Ok(pc) = Postcode::parse(q) {
            let ids = patient_store::ids_where(db, ExactColumn::Postcode, pc.as_str(), 500).await?;
            if !ids.is_empty() {
                return Ok((QueryKind::Postcode, unscored(patient_store::by_ids(db, &ids).await?), ids.len() >= 500));
            }
        }
        if let Some(outward) = outward_code(q) {
            let ids = patient_store::ids_in_outward_code(db, &outward, 500).await?;
            return Ok((QueryKind::Postcode, unscored(patient_store::by_ids(db, &ids).await?), ids.len() >= 500));
        }
        if let Some((dob, rest)) = date_and_rest(q) {
            let ids = patient_store::ids_where(db, ExactColumn::DateOfBirth, &dob.to_string(), 2_000).await?;
            let rows = patient_store::by_ids(db, &ids).await?;
            let name_terms = terms(&rest);
            if name_terms.is_empty() {
                return Ok((QueryKind::DateOfBirth, unscored(rows), ids.len() >= 2_000));
            }
            let previous = self.previous_names(&rows).await?;
            let scored = rows
                .into_iter()
                .filter_map(|p| {
                    name_score(&p, previous.get(&p.id).map(Vec::as_slice).unwrap_or(&[]), &name_terms).map(|s| (p, s))
                })
                .collect();
            return Ok((QueryKind::DateOfBirthAndName, scored, ids.len() >= 2_000));
        }
        self.find_by_name(q).await
    }

    async fn find_by_name(&self, q: &str) -> Result<(QueryKind, Vec<(PatientRow, u32)>, bool)> {
        let db = self.db();
        let query_terms = terms(q);
        if query_terms.is_empty() {
            return Ok((QueryKind::Name, Vec::new(), false));
        }
        // Candidates from the most selective term: patients carrying a term that starts with it, or one
        // a typo away (found by the intact first or second half of the word).
        let mut candidate_sets: Vec<(Vec<Uuid>, bool)> = Vec::new();
        for t in &query_terms {
            let mut term_ids: HashMap<i64, ()> = HashMap::new();
            for (id, _) in patient_store::terms_with_prefix(db, t, false, TERM_FANOUT).await? {
                term_ids.insert(id, ());
            }
            let n = t.chars().count();
            if n >= 3 {
                let chars: Vec<char> = t.chars().collect();
                let head: String = chars[..n / 2].iter().collect();
                let tail_rev: String = chars[n / 2..].iter().rev().collect();
                for (id, term) in patient_store::terms_with_prefix(db, &head, false, TERM_FANOUT).await? {
                    if within_one_edit(&term, t) {
                        term_ids.insert(id, ());
                    }
                }
                for (id, term) in patient_store::terms_with_prefix(db, &tail_rev, true, TERM_FANOUT).await? {
                    if within_one_edit(&term, t) {
                        term_ids.insert(id, ());
                    }
                }
            }
            let ids: Vec<i64> = term_ids.into_keys().collect();
            let postings = patient_store::postings(db, &ids, POSTINGS_LIMIT).await?;
            let truncated = postings.len() as i64 >= POSTINGS_LIMIT;
            let mut patients: Vec<Uuid> = postings.into_iter().map(|(p, _)| p).collect();
            patients.sort_unstable();
            patients.dedup();
            candidate_sets.push((patients, truncated));
        }
        candidate_sets.sort_by_key(|(s, _)| s.len());
        let (first, mut truncated) = candidate_sets.remove(0);
        let mut candidates = first;
        for (set, t) in &candidate_sets {
            truncated |= *t && candidates.len() > set.len();
            candidates.retain(|id| set.binary_search(id).is_ok());
        }
        let mut scored = Vec::new();
        for chunk in candidates.chunks(500) {
            let rows = patient_store::by_ids(db, chunk).await?;
            let previous = self.previous_names(&rows).await?;
            for p in rows {
                if let Some(s) = name_score(&p, previous.get(&p.id).map(Vec::as_slice).unwrap_or(&[]), &query_terms) {
                    scored.push((p, s));
                }
            }
        }
        Ok((QueryKind::Name, scored, truncated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_found_anywhere_in_the_query() {
        let (d, rest) = date_and_rest("smith 1 feb 1980").unwrap();
        assert_eq!((d.to_string(), rest.as_str()), ("1980-02-01".into(), "smith"));
        let (d, rest) = date_and_rest("01/02/1980 Zoë O'Brien").unwrap();
        assert_eq!((d.to_string(), rest.as_str()), ("1980-02-01".into(), "Zoë O'Brien"));
        assert!(date_and_rest("john smith").is_none());
    }

    #[test]
    fn outward_codes_are_recognised() {
        assert_eq!(outward_code("bs1").as_deref(), Some("BS1"));
        assert_eq!(outward_code("SW1A").as_deref(), Some("SW1A"));
        assert_eq!(outward_code("CF10").as_deref(), Some("CF10"));
        assert_eq!(outward_code("M1").as_deref(), Some("M1"));
        for not in ["smith", "BS", "BS1 4DJ", "1980", "B", "ABC1"] {
            assert_eq!(outward_code(not), None, "{not}");
        }
    }

    #[test]
    fn phones_are_told_from_nhs_numbers_and_names() {
        assert!(looks_like_phone("07700 900123"));
        assert!(looks_like_phone("+44 7700 900123"));
        assert!(!looks_like_phone("943 476 5919"));
        assert!(!looks_like_phone("smith"));
    }
}
