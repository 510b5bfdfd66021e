-- Patient registry. Dates are ISO text (YYYY-MM-DD) as on SQLite, so one query text serves both.

CREATE TABLE patients (
    id                    uuid PRIMARY KEY,
    organisation_id       uuid NOT NULL REFERENCES organisations(id),
    nhs_number            text,
    nhs_number_status     text,
    local_number          text,
    title                 text,
    given_names           text NOT NULL,
    family_name           text NOT NULL,
    preferred_name        text,
    pronouns              text,
    date_of_birth         text NOT NULL,
    gender                text NOT NULL CHECK (gender IN ('male', 'female', 'other', 'unknown')),
    date_of_death         text,
    registration_status   text NOT NULL CHECK (registration_status IN ('registered', 'temporary', 'deregistered', 'deceased')),
    deregistered_on       text,
    deregistered_reason   text,
    address_lines         text NOT NULL DEFAULT '',
    town                  text,
    postcode              text,
    postcode_abroad       text,
    country               text NOT NULL DEFAULT 'GB',
    email                 text,
    preferred_language    text NOT NULL DEFAULT 'en',
    interpreter_language  text,
    contact_times         text,
    merged_into           uuid REFERENCES patients(id),
    version               bigint NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE UNIQUE INDEX patients_nhs_number ON patients (nhs_number) WHERE nhs_number IS NOT NULL AND merged_into IS NULL;
CREATE UNIQUE INDEX patients_local_number ON patients (organisation_id, local_number) WHERE local_number IS NOT NULL AND merged_into IS NULL;
CREATE INDEX patients_dob ON patients (date_of_birth);
CREATE INDEX patients_postcode ON patients (postcode) WHERE postcode IS NOT NULL;
CREATE INDEX patients_email ON patients (email) WHERE email IS NOT NULL;
CREATE INDEX patients_merged_into ON patients (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE patient_phones (
    id          uuid PRIMARY KEY,
    patient_id  uuid NOT NULL REFERENCES patients(id),
    position    integer NOT NULL,
    e164        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('mobile', 'landline', 'unknown'))
);
CREATE INDEX patient_phones_by_patient ON patient_phones (patient_id, position);
CREATE INDEX patient_phones_by_number ON patient_phones (e164);

CREATE TABLE patient_identifiers (
    id          uuid PRIMARY KEY,
    patient_id  uuid NOT NULL REFERENCES patients(id),
    system      text NOT NULL,
    value       text NOT NULL,
    UNIQUE (system, value)
);
CREATE INDEX patient_identifiers_by_patient ON patient_identifiers (patient_id);

CREATE TABLE patient_previous_names (
    id           uuid PRIMARY KEY,
    patient_id   uuid NOT NULL REFERENCES patients(id),
    given_names  text NOT NULL,
    family_name  text NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX patient_previous_names_by_patient ON patient_previous_names (patient_id);

-- Accessible Information Standard needs (SNOMED CT coded).
CREATE TABLE patient_needs (
    id           uuid PRIMARY KEY,
    patient_id   uuid NOT NULL REFERENCES patients(id),
    code         text NOT NULL,
    category     text NOT NULL,
    detail       text,
    recorded_by  uuid REFERENCES users(id),
    recorded_at  timestamptz NOT NULL,
    reviewed_on  text,
    removed_at   timestamptz
);
CREATE INDEX patient_needs_by_patient ON patient_needs (patient_id) WHERE removed_at IS NULL;

CREATE TABLE patient_contact_preferences (
    patient_id  uuid NOT NULL REFERENCES patients(id),
    channel     text NOT NULL CHECK (channel IN ('sms', 'email', 'letter', 'phone')),
    opted_in    boolean NOT NULL,
    rank        integer NOT NULL,
    changed_at  timestamptz NOT NULL,
    source      text NOT NULL,
    PRIMARY KEY (patient_id, channel)
);

CREATE TABLE related_people (
    id                    uuid PRIMARY KEY,
    patient_id            uuid NOT NULL REFERENCES patients(id),
    name                  text NOT NULL,
    relationship          text NOT NULL,
    phone                 text,
    email                 text,
    address               text,
    may_book              boolean NOT NULL DEFAULT false,
    may_receive_messages  boolean NOT NULL DEFAULT false,
    consent_recorded_at   timestamptz,
    consent_source        text,
    valid_from            text,
    valid_to              text,
    created_at            timestamptz NOT NULL,
    ended_at              timestamptz
);
CREATE INDEX related_people_by_patient ON related_people (patient_id);

-- Restricted alerts (safeguarding and others): content only for roles the policy allows.
CREATE TABLE patient_alerts (
    id          uuid PRIMARY KEY,
    patient_id  uuid NOT NULL REFERENCES patients(id),
    kind        text NOT NULL,
    text        text NOT NULL,
    created_by  uuid REFERENCES users(id),
    created_at  timestamptz NOT NULL,
    ended_at    timestamptz
);
CREATE INDEX patient_alerts_by_patient ON patient_alerts (patient_id);

-- Every change keeps the previous value, who, when and why.
CREATE TABLE patient_history (
    id            uuid PRIMARY KEY,
    patient_id    uuid NOT NULL REFERENCES patients(id),
    field         text NOT NULL,
    old_value     text,
    new_value     text,
    changed_by    uuid,
    changed_at    timestamptz NOT NULL,
    reason        text,
    operation_id  uuid NOT NULL
);
CREATE INDEX patient_history_by_patient ON patient_history (patient_id, changed_at);

-- A patient's note of disagreement with a recorded value (rectification rule).
CREATE TABLE patient_disagreements (
    id           uuid PRIMARY KEY,
    patient_id   uuid NOT NULL REFERENCES patients(id),
    field        text NOT NULL,
    note         text NOT NULL,
    recorded_by  uuid,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX patient_disagreements_by_patient ON patient_disagreements (patient_id);

-- Name search: distinct folded name terms (forward and reversed, for typo-tolerant lookups from either
-- end) and which patients carry them.
CREATE TABLE name_terms (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    term  text COLLATE "C" NOT NULL UNIQUE,
    rev   text COLLATE "C" NOT NULL
);
CREATE INDEX name_terms_rev ON name_terms (rev);

CREATE TABLE patient_terms (
    term_id     bigint NOT NULL REFERENCES name_terms(id),
    patient_id  uuid NOT NULL REFERENCES patients(id),
    source      text NOT NULL CHECK (source IN ('given', 'family', 'preferred', 'previous')),
    PRIMARY KEY (term_id, patient_id, source)
);
CREATE INDEX patient_terms_by_patient ON patient_terms (patient_id);
