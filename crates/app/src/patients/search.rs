//! One search box for patients: NHS number (with or without spaces), date of birth (several formats),
//! phone, postcode, email, and names (prefix, case- and accent-insensitive, one typo, preferred names),
//! alone or a date of birth with a name. Results are ranked and paged; every search is audited with its
//! purpose (but not its text, which is itself patient data).

use super::{actor, default_purpose};
use crate::governance::access::Access;
use crate::{App, AppError, Ctx, Result};
use domain::governance::{Action, Purpose};
use domain::patients::dates::parse_date;
use domain::patients::names::{TYPO_MIN_CHARS, deletion_variants, sort_key, terms, within_one_edit};
use domain::patients::{EmailAddress, NhsNumber, PhoneNumber, Postcode};
use std::collections::{HashMap, HashSet};
use store::patients::name_index;
use store::patients::{self as patient_store, ExactColumn, PatientRow};
use uuid::Uuid;

/// Terms a query word may expand to (prefix and one-typo matches), at most.
const TERM_FANOUT: i64 = 400;
/// Records considered as candidates for a several-word name search, at most.
const POSTINGS_LIMIT: i64 = 5_000;
/// Index entries read to count a name's records; past this the count is "at least".
const COUNT_CAP: i64 = 1_000;
pub const PAGE_SIZE: usize = 20;
/// Pages a search can be paged to: as far as the name counts go.
pub const MAX_PAGE: usize = COUNT_CAP as usize / PAGE_SIZE;

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
        let page = page.max(1);
        if page > MAX_PAGE {
            return Err(AppError::invalid(
                "page",
                format!(
                    "Only the first {MAX_PAGE} pages of results can be shown. Add to the search to find fewer people"
                ),
            ));
        }
        let Found { kind, patients, total, truncated } = self.find(query, page).await?;
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

    /// One page of matching records.
    async fn find(&self, q: &str, page: usize) -> Result<Found> {
        let db = self.db();
        let unscored = |rows: Vec<PatientRow>| rows.into_iter().map(|p| (p, 0)).collect::<Vec<_>>();
        let paged = |kind, scored, truncated| Found::page_of(kind, scored, truncated, page);
        let compact: String = q.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if compact.len() == 10
            && compact.chars().all(|c| c.is_ascii_digit())
            && let Ok(n) = NhsNumber::parse(&compact)
        {
            let found = patient_store::by_nhs_number(db, &n.digits()).await?;
            return Ok(paged(QueryKind::NhsNumber, unscored(found.into_iter().collect()), false));
        }
        if looks_like_phone(q)
            && let Ok(phone) = PhoneNumber::parse(q)
        {
            let ids = patient_store::ids_by_phone(db, phone.e164(), 200).await?;
            return Ok(paged(QueryKind::Phone, unscored(patient_store::by_ids(db, &ids).await?), ids.len() >= 200));
        }
        if q.contains('@')
            && let Ok(email) = EmailAddress::parse(q)
        {
            let ids = patient_store::ids_where(db, ExactColumn::Email, email.as_str(), 200).await?;
            return Ok(paged(QueryKind::Email, unscored(patient_store::by_ids(db, &ids).await?), ids.len() >= 200));
        }
        if let Ok(pc) = Postcode::parse(q) {
            let ids = patient_store::ids_where(db, ExactColumn::Postcode, pc.as_str(), 500).await?;
            if !ids.is_empty() {
                return Ok(paged(
                    QueryKind::Postcode,
                    unscored(patient_store::by_ids(db, &ids).await?),
                    ids.len() >= 500,
                ));
            }
        }
        if let Some(outward) = outward_code(q) {
            let ids = patient_store::ids_in_outward_code(db, &outward, 500).await?;
            return Ok(paged(QueryKind::Postcode, unscored(patient_store::by_ids(db, &ids).await?), ids.len() >= 500));
        }
        if let Some((dob, rest)) = date_and_rest(q) {
            let ids = patient_store::ids_where(db, ExactColumn::DateOfBirth, &dob.to_string(), 2_000).await?;
            let rows = patient_store::by_ids(db, &ids).await?;
            let name_terms = terms(&rest);
            if name_terms.is_empty() {
                return Ok(paged(QueryKind::DateOfBirth, unscored(rows), ids.len() >= 2_000));
            }
            let previous = self.previous_names(&rows).await?;
            let scored = rows
                .into_iter()
                .filter_map(|p| {
                    name_score(&p, previous.get(&p.id).map(Vec::as_slice).unwrap_or(&[]), &name_terms).map(|s| (p, s))
                })
                .collect();
            return Ok(paged(QueryKind::DateOfBirthAndName, scored, ids.len() >= 2_000));
        }
        self.find_by_name(q, page).await
    }

    /// Name search, ranked and paged from the name index: a single word lists exact matches first, then
    /// longer names it starts, then names one typo away, each group by name; several words list
    /// people matching all of them, best matches first.
    async fn find_by_name(&self, q: &str, page: usize) -> Result<Found> {
        let words = terms(q);
        match words.as_slice() {
            [] => Ok(Found::empty(QueryKind::Name)),
            [word] => self.one_word_page(word, page).await,
            _ => {
                let mut per_word = Vec::with_capacity(words.len());
                for w in &words {
                    let mut matched: Vec<Matched> = name_index::terms_with_prefix(self.db(), w, TERM_FANOUT)
                        .await?
                        .into_iter()
                        .map(|(id, term)| Matched { class: if term == *w { EXACT } else { PREFIX }, id, term })
                        .collect();
                    matched.extend(self.typo_terms(w).await?);
                    if matched.is_empty() {
                        return Ok(Found::empty(QueryKind::Name));
                    }
                    per_word.push(matched);
                }
                self.several_words_page(&per_word, page).await
            }
        }
    }

    /// Name terms one typo away from a word (not those it starts: they match better), alphabetical.
    async fn typo_terms(&self, word: &str) -> Result<Vec<Matched>> {
        if word.chars().count() < TYPO_MIN_CHARS {
            return Ok(Vec::new());
        }
        let mut out: Vec<Matched> = name_index::terms_by_variants(self.db(), &deletion_variants(word), TERM_FANOUT)
            .await?
            .into_iter()
            .filter(|(_, term)| !term.starts_with(word) && within_one_edit(term, word))
            .map(|(id, term)| Matched { id, term, class: TYPO })
            .collect();
        out.sort_by(|a, b| a.term.cmp(&b.term));
        Ok(out)
    }

    /// One word: the names it starts (the word itself sorts first), then names one typo away, each read
    /// in name order straight off the index until the page is full. Only the page's records are loaded.
    async fn one_word_page(&self, word: &str, page: usize) -> Result<Found> {
        let db = self.db();
        let want = page * PAGE_SIZE;
        let mut seen: HashSet<Uuid> = HashSet::new();
        let mut ordered: Vec<Uuid> = Vec::with_capacity(want);
        // People listed under two of the names (given and family both "Harris…") appear twice in the
        // index; read further until the page is full of different people or the names run out.
        let mut limit = want as i64 + 8;
        loop {
            let rows = name_index::prefix_postings(db, word, limit).await?;
            seen.clear();
            ordered.clear();
            for (_, p, _) in &rows {
                if seen.insert(*p) {
                    ordered.push(*p);
                }
            }
            if ordered.len() >= want || (rows.len() as i64) < limit {
                break;
            }
            limit *= 4;
        }
        let (mut read, mut distinct) = name_index::count_prefix(db, word, COUNT_CAP).await?;
        if read < COUNT_CAP {
            let typos = self.typo_terms(word).await?;
            let ids: Vec<i64> = typos.iter().map(|m| m.id).collect();
            let (typo_read, typo_distinct) = name_index::count_patients(db, &ids, COUNT_CAP - read).await?;
            (read, distinct) = (read + typo_read, distinct + typo_distinct);
            if ordered.len() < want {
                self.fill_from_terms(&ids, want, &mut seen, &mut ordered).await?;
            }
        }
        let page_ids: Vec<Uuid> = ordered.into_iter().skip(want - PAGE_SIZE).take(PAGE_SIZE).collect();
        Ok(Found {
            kind: QueryKind::Name,
            patients: self.rows_in_order(&page_ids).await?,
            total: distinct as usize,
            truncated: read >= COUNT_CAP,
        })
    }

    /// Add records of these terms, term by term in the order given and by name within each, until
    /// `ordered` holds `want` different people.
    async fn fill_from_terms(
        &self,
        ids: &[i64],
        want: usize,
        seen: &mut HashSet<Uuid>,
        ordered: &mut Vec<Uuid>,
    ) -> Result<()> {
        let db = self.db();
        let per_term = want as i64;
        for chunk in ids.chunks(64) {
            let mut groups: HashMap<i64, Vec<Uuid>> = HashMap::new();
            for (term, patient, _) in name_index::first_postings(db, chunk, per_term).await? {
                groups.entry(term).or_default().push(patient);
            }
            for id in chunk {
                let mut rows = groups.remove(id).unwrap_or_default();
                let (mut taken, mut limit) = (0, per_term);
                loop {
                    for p in &rows[taken..] {
                        if seen.insert(*p) {
                            ordered.push(*p);
                        }
                    }
                    taken = rows.len();
                    if ordered.len() >= want {
                        return Ok(());
                    }
                    if (rows.len() as i64) < limit {
                        break;
                    }
                    limit *= 4;
                    rows =
                        name_index::first_postings(db, &[*id], limit).await?.into_iter().map(|(_, p, _)| p).collect();
                }
            }
        }
        Ok(())
    }

    /// Several words: candidates are the records carrying the most selective word; the others must match
    /// one of each candidate's terms. Ranked by the sum of how well each word matched, then by name.
    async fn several_words_page(&self, per_word: &[Vec<Matched>], page: usize) -> Result<Found> {
        let db = self.db();
        let mut selective = (0, i64::MAX);
        for (i, matched) in per_word.iter().enumerate() {
            let ids: Vec<i64> = matched.iter().map(|m| m.id).collect();
            let (_, distinct) = name_index::count_patients(db, &ids, COUNT_CAP).await?;
            if distinct < selective.1 {
                selective = (i, distinct);
            }
        }
        let classes: Vec<HashMap<i64, u32>> =
            per_word.iter().map(|m| m.iter().map(|t| (t.id, t.class)).collect()).collect();
        let first_ids: Vec<i64> = per_word[selective.0].iter().map(|m| m.id).collect();
        let postings = name_index::postings(db, &first_ids, POSTINGS_LIMIT).await?;
        let truncated = postings.len() as i64 >= POSTINGS_LIMIT;
        let mut sort_keys: HashMap<Uuid, String> = HashMap::new();
        for (_, patient, key) in postings {
            sort_keys.entry(patient).or_insert(key);
        }
        let candidates: Vec<Uuid> = sort_keys.keys().copied().collect();
        let mut carried: HashMap<Uuid, Vec<i64>> = HashMap::new();
        for chunk in candidates.chunks(500) {
            for (patient, term) in name_index::terms_of(db, chunk).await? {
                carried.entry(patient).or_default().push(term);
            }
        }
        let mut scored: Vec<(u32, String, Uuid)> = Vec::new();
        'candidates: for (patient, terms) in &carried {
            let mut score = 0;
            for word in &classes {
                match terms.iter().filter_map(|t| word.get(t)).max() {
                    Some(best) => score += best,
                    None => continue 'candidates,
                }
            }
            scored.push((score, sort_keys[patient].clone(), *patient));
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| (&a.1, a.2).cmp(&(&b.1, b.2))));
        let total = scored.len();
        let page_ids: Vec<Uuid> =
            scored.into_iter().skip((page - 1) * PAGE_SIZE).take(PAGE_SIZE).map(|(_, _, p)| p).collect();
        Ok(Found { kind: QueryKind::Name, patients: self.rows_in_order(&page_ids).await?, total, truncated })
    }

    /// Full records for these ids, in the given order.
    async fn rows_in_order(&self, ids: &[Uuid]) -> Result<Vec<PatientRow>> {
        let mut rows: HashMap<Uuid, PatientRow> =
            patient_store::by_ids(self.db(), ids).await?.into_iter().map(|p| (p.id, p)).collect();
        Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
    }
}

/// Ranks of how a query word matched a name term.
const EXACT: u32 = 3;
const PREFIX: u32 = 2;
const TYPO: u32 = 1;

/// A name term a query word matched.
struct Matched {
    id: i64,
    term: String,
    class: u32,
}

/// One page of a search, before auditing.
struct Found {
    kind: QueryKind,
    patients: Vec<PatientRow>,
    total: usize,
    truncated: bool,
}

impl Found {
    fn empty(kind: QueryKind) -> Self {
        Found { kind, patients: Vec::new(), total: 0, truncated: false }
    }

    /// Rank scored records (best name match first, then by family name, given names, date of birth) and
    /// take one page.
    fn page_of(kind: QueryKind, mut scored: Vec<(PatientRow, u32)>, truncated: bool, page: usize) -> Self {
        scored.sort_by_cached_key(|(p, score)| {
            (std::cmp::Reverse(*score), sort_key(&p.family_name, &p.given_names, &p.date_of_birth))
        });
        let total = scored.len();
        let patients = scored.into_iter().skip((page - 1) * PAGE_SIZE).take(PAGE_SIZE).map(|(p, _)| p).collect();
        Found { kind, patients, total, truncated }
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
