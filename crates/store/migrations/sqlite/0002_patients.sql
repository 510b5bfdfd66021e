-- Patient registry. Dates are ISO text (YYYY-MM-DD), which sorts and compares as dates.

CREATE TABLE patients (
    id                    BLOB PRIMARY KEY NOT NULL,
    organisation_id       BLOB NOT NULL REFERENCES organisations(id),
    nhs_number            TEXT,
    nhs_number_status     TEXT,
    local_number          TEXT,
    title                 TEXT,
    given_names           TEXT NOT NULL,
    family_name           TEXT NOT NULL,
    preferred_name        TEXT,
    pronouns              TEXT,
    date_of_birth         TEXT NOT NULL,
    gender                TEXT NOT NULL CHECK (gender IN ('male', 'female', 'other', 'unknown')),
    date_of_death         TEXT,
    registration_status   TEXT NOT NULL CHECK (registration_status IN ('registered', 'temporary', 'deregistered', 'deceased')),
    deregistered_on       TEXT,
    deregistered_reason   TEXT,
    address_lines         TEXT NOT NULL DEFAULT '',
    town                  TEXT,
    postcode              TEXT,
    postcode_abroad       TEXT,
    country               TEXT NOT NULL DEFAULT 'GB',
    email                 TEXT,
    preferred_language    TEXT NOT NULL DEFAULT 'en',
    interpreter_language  TEXT,
    contact_times         TEXT,
    merged_into           BLOB REFERENCES patients(id),
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX patients_nhs_number ON patients (nhs_number) WHERE nhs_number IS NOT NULL AND merged_into IS NULL;
CREATE UNIQUE INDEX patients_local_number ON patients (organisation_id, local_number) WHERE local_number IS NOT NULL AND merged_into IS NULL;
CREATE INDEX patients_dob ON patients (date_of_birth);
CREATE INDEX patients_postcode ON patients (postcode) WHERE postcode IS NOT NULL;
CREATE INDEX patients_email ON patients (email) WHERE email IS NOT NULL;
CREATE INDEX patients_merged_into ON patients (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE patient_phones (
    id          BLOB PRIMARY KEY NOT NULL,
    patient_id  BLOB NOT NULL REFERENCES patients(id),
    position    INTEGER NOT NULL,
    e164        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('mobile', 'landline', 'unknown'))
) STRICT;
CREATE INDEX patient_phones_by_patient ON patient_phones (patient_id, position);
CREATE INDEX patient_phones_by_number ON patient_phones (e164);

CREATE TABLE patient_identifiers (
    id          BLOB PRIMARY KEY NOT NULL,
    patient_id  BLOB NOT NULL REFERENCES patients(id),
    system      TEXT NOT NULL,
    value       TEXT NOT NULL,
    UNIQUE (system, value)
) STRICT;
CREATE INDEX patient_identifiers_by_patient ON patient_identifiers (patient_id);

CREATE TABLE patient_previous_names (
    id           BLOB PRIMARY KEY NOT NULL,
    patient_id   BLOB NOT NULL REFERENCES patients(id),
    given_names  TEXT NOT NULL,
    family_name  TEXT NOT NULL,
    recorded_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX patient_previous_names_by_patient ON patient_previous_names (patient_id);

-- Accessible Information Standard needs (SNOMED CT coded).
CREATE TABLE patient_needs (
    id           BLOB PRIMARY KEY NOT NULL,
    patient_id   BLOB NOT NULL REFERENCES patients(id),
    code         TEXT NOT NULL,
    category     TEXT NOT NULL,
    detail       TEXT,
    recorded_by  BLOB REFERENCES users(id),
    recorded_at  INTEGER NOT NULL,
    reviewed_on  TEXT,
    removed_at   INTEGER
) STRICT;
CREATE INDEX patient_needs_by_patient ON patient_needs (patient_id) WHERE removed_at IS NULL;

CREATE TABLE patient_contact_preferences (
    patient_id  BLOB NOT NULL REFERENCES patients(id),
    channel     TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'letter', 'phone')),
    opted_in    INTEGER NOT NULL,
    rank        INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (patient_id, channel)
) STRICT;

CREATE TABLE related_people (
    id                    BLOB PRIMARY KEY NOT NULL,
    patient_id            BLOB NOT NULL REFERENCES patients(id),
    name                  TEXT NOT NULL,
    relationship          TEXT NOT NULL,
    phone                 TEXT,
    email                 TEXT,
    address               TEXT,
    may_book              INTEGER NOT NULL DEFAULT 0,
    may_receive_messages  INTEGER NOT NULL DEFAULT 0,
    consent_recorded_at   INTEGER,
    consent_source        TEXT,
    valid_from            TEXT,
    valid_to              TEXT,
    created_at            INTEGER NOT NULL,
    ended_at              INTEGER
) STRICT;
CREATE INDEX related_people_by_patient ON related_people (patient_id);

-- Restricted alerts (safeguarding and others): content only for roles the policy allows.
CREATE TABLE patient_alerts (
    id          BLOB PRIMARY KEY NOT NULL,
    patient_id  BLOB NOT NULL REFERENCES patients(id),
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_by  BLOB REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    ended_at    INTEGER
) STRICT;
CREATE INDEX patient_alerts_by_patient ON patient_alerts (patient_id);

-- Every change keeps the previous value, who, when and why.
CREATE TABLE patient_history (
    id            BLOB PRIMARY KEY NOT NULL,
    patient_id    BLOB NOT NULL REFERENCES patients(id),
    field         TEXT NOT NULL,
    old_value     TEXT,
    new_value     TEXT,
    changed_by    BLOB,
    changed_at    INTEGER NOT NULL,
    reason        TEXT,
    operation_id  BLOB NOT NULL
) STRICT;
CREATE INDEX patient_history_by_patient ON patient_history (patient_id, changed_at);

-- A patient's note of disagreement with a recorded value (rectification rule).
CREATE TABLE patient_disagreements (
    id           BLOB PRIMARY KEY NOT NULL,
    patient_id   BLOB NOT NULL REFERENCES patients(id),
    field        TEXT NOT NULL,
    note         TEXT NOT NULL,
    recorded_by  BLOB,
    recorded_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX patient_disagreements_by_patient ON patient_disagreements (patient_id);

-- Name search: distinct folded name terms (forward and reversed, for typo-tolerant lookups from either
-- end) and which patients carry them.
CREATE TABLE name_terms (
    id    INTEGER PRIMARY KEY,
    term  TEXT NOT NULL UNIQUE,
    rev   TEXT NOT NULL
) STRICT;
CREATE INDEX name_terms_rev ON name_terms (rev);

CREATE TABLE patient_terms (
    term_id     INTEGER NOT NULL REFERENCES name_terms(id),
    patient_id  BLOB NOT NULL REFERENCES patients(id),
    source      TEXT NOT NULL CHECK (source IN ('given', 'family', 'preferred', 'previous')),
    PRIMARY KEY (term_id, patient_id, source)
) STRICT, WITHOUT ROWID;
CREATE INDEX patient_terms_by_patient ON patient_terms (patient_id);
