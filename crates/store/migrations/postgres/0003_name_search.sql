-- Name search served straight from indexes.
--
-- Postings carry the patient's sort key (folded "family, given names, date of birth"), and the primary
-- key leads with (term, sort key), so the first page of everyone called "smith…" is a short index-only
-- range read in order rather than thousands of records loaded and sorted. The rows are rebuilt by the
-- application after this migration (folding names needs Unicode rules SQL does not have).
DROP TABLE patient_terms;
CREATE TABLE patient_terms (
    term_id     bigint NOT NULL REFERENCES name_terms(id),
    sort_key    text COLLATE "C" NOT NULL,
    patient_id  uuid NOT NULL REFERENCES patients(id),
    source      text NOT NULL CHECK (source IN ('given', 'family', 'preferred', 'previous')),
    PRIMARY KEY (term_id, sort_key, patient_id, source)
);
CREATE INDEX patient_terms_by_patient ON patient_terms (patient_id);

-- Typo-tolerant lookup (symmetric delete): each term under itself and every string one letter shorter.
-- A query word's own variants meet those of every term one edit away. Replaces the reversed-term index.
CREATE TABLE name_term_variants (
    variant  text COLLATE "C" NOT NULL,
    term_id  bigint NOT NULL REFERENCES name_terms(id),
    PRIMARY KEY (variant, term_id)
);
ALTER TABLE name_terms DROP COLUMN rev;
