-- Name search served straight from indexes.
--
-- Postings carry the patient's sort key (folded "family, given names, date of birth"), and the table is
-- clustered on (term, sort key), so the first page of everyone called "smith…" is a short index range
-- read in order rather than thousands of records loaded and sorted. The rows are rebuilt by the
-- application after this migration (folding names needs Unicode rules SQL does not have).
DROP TABLE patient_terms;
CREATE TABLE patient_terms (
    term_id     INTEGER NOT NULL REFERENCES name_terms(id),
    sort_key    TEXT NOT NULL,
    patient_id  BLOB NOT NULL REFERENCES patients(id),
    source      TEXT NOT NULL CHECK (source IN ('given', 'family', 'preferred', 'previous')),
    PRIMARY KEY (term_id, sort_key, patient_id, source)
) STRICT, WITHOUT ROWID;
CREATE INDEX patient_terms_by_patient ON patient_terms (patient_id);

-- Typo-tolerant lookup (symmetric delete): each term under itself and every string one letter shorter.
-- A query word's own variants meet those of every term one edit away. Replaces the reversed-term index.
CREATE TABLE name_term_variants (
    variant  TEXT NOT NULL,
    term_id  INTEGER NOT NULL REFERENCES name_terms(id),
    PRIMARY KEY (variant, term_id)
) STRICT, WITHOUT ROWID;
DROP INDEX name_terms_rev;
ALTER TABLE name_terms DROP COLUMN rev;
