-- Name postings written by a bulk import while it runs, without indexes (appending is cheap), and moved
-- into patient_terms in one sorted pass at its end. Carefront moves whatever an interrupted import left
-- here at the next start. Same columns as patient_terms; no keys (the rows are checked when moved).
CREATE TABLE patient_terms_staging (
    term_id     bigint NOT NULL,
    sort_key    text COLLATE "C" NOT NULL,
    patient_id  uuid NOT NULL,
    source      text NOT NULL
);
