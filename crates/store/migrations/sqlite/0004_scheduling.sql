-- Scheduling: sites' opening hours and access, rooms, practitioners, services, rotas, appointments,
-- the waiting list, offers, referrals, and the outbox later work (messaging) sends from.
-- Instants are integer microseconds since the Unix epoch (UTC); dates ISO text; local times 'HH:MM'.

ALTER TABLE sites ADD COLUMN phone TEXT;
-- JSON: [{"weekday": 1, "opens": "08:00", "closes": "18:30"}, …]
ALTER TABLE sites ADD COLUMN opening_hours TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN step_free_access INTEGER NOT NULL DEFAULT 0 CHECK (step_free_access IN (0, 1));
ALTER TABLE sites ADD COLUMN hearing_loop INTEGER NOT NULL DEFAULT 0 CHECK (hearing_loop IN (0, 1));
ALTER TABLE sites ADD COLUMN accessible_toilet INTEGER NOT NULL DEFAULT 0 CHECK (accessible_toilet IN (0, 1));
ALTER TABLE sites ADD COLUMN parking INTEGER NOT NULL DEFAULT 0 CHECK (parking IN (0, 1));
ALTER TABLE sites ADD COLUMN accessibility_notes TEXT NOT NULL DEFAULT '';
-- What the waiting-room screen shows instead of names.
ALTER TABLE sites ADD COLUMN display_names_as TEXT NOT NULL DEFAULT 'ticket' CHECK (display_names_as IN ('ticket', 'initials'));

CREATE TABLE rooms (
    id        BLOB PRIMARY KEY NOT NULL,
    site_id   BLOB NOT NULL REFERENCES sites(id),
    name      TEXT NOT NULL,
    -- Comma-separated features ("treatment couch,wheelchair accessible").
    features  TEXT NOT NULL DEFAULT '',
    UNIQUE (site_id, name)
) STRICT;

CREATE TABLE practitioners (
    id            BLOB PRIMARY KEY NOT NULL,
    organisation_id BLOB NOT NULL REFERENCES organisations(id),
    user_id       BLOB REFERENCES users(id),
    display_name  TEXT NOT NULL,
    profession    TEXT NOT NULL,
    -- Comma-separated BCP 47 tags.
    languages     TEXT NOT NULL DEFAULT 'en',
    -- SHA-256 of the secret in the private calendar feed URL.
    feed_token_hash TEXT UNIQUE,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE services (
    id                    BLOB PRIMARY KEY NOT NULL,
    organisation_id       BLOB NOT NULL REFERENCES organisations(id),
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    duration_minutes      INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
    buffer_minutes        INTEGER NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 120),
    mode                  TEXT NOT NULL CHECK (mode IN ('face_to_face', 'home_visit', 'telephone', 'video')),
    bookable_online       INTEGER NOT NULL DEFAULT 1 CHECK (bookable_online IN (0, 1)),
    min_notice_minutes    INTEGER NOT NULL DEFAULT 0,
    max_days_ahead        INTEGER NOT NULL DEFAULT 28,
    cancel_cutoff_minutes INTEGER NOT NULL DEFAULT 0,
    price_pence           INTEGER,
    funding               TEXT NOT NULL DEFAULT 'nhs' CHECK (funding IN ('nhs', 'private', 'insurer')),
    room_features         TEXT NOT NULL DEFAULT '',
    preparation           TEXT NOT NULL DEFAULT '',
    aftercare             TEXT NOT NULL DEFAULT '',
    -- Comma-separated reminder offsets in hours before the start (messaging).
    reminder_offsets      TEXT NOT NULL DEFAULT '168,48',
    active                INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at            INTEGER NOT NULL,
    UNIQUE (organisation_id, name)
) STRICT;

CREATE TABLE service_practitioners (
    service_id       BLOB NOT NULL REFERENCES services(id),
    practitioner_id  BLOB NOT NULL REFERENCES practitioners(id),
    PRIMARY KEY (service_id, practitioner_id)
) STRICT, WITHOUT ROWID;

-- A weekly repeating session: when a practitioner works at a site and which services they offer.
CREATE TABLE rota_sessions (
    id                     BLOB PRIMARY KEY NOT NULL,
    practitioner_id        BLOB NOT NULL REFERENCES practitioners(id),
    site_id                BLOB NOT NULL REFERENCES sites(id),
    room_id                BLOB REFERENCES rooms(id),
    weekday                INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts                 TEXT NOT NULL,
    ends                   TEXT NOT NULL,
    valid_from             TEXT NOT NULL,
    valid_until            TEXT,
    opens_on_bank_holidays INTEGER NOT NULL DEFAULT 0 CHECK (opens_on_bank_holidays IN (0, 1)),
    -- Comma-separated service ids (hyphenated UUIDs).
    services               TEXT NOT NULL,
    created_at             INTEGER NOT NULL,
    CHECK (starts < ends)
) STRICT;
CREATE INDEX rota_sessions_by_practitioner ON rota_sessions (practitioner_id);

-- Leave, training or sickness closing dates (or part of a day), or a one-off extra session.
CREATE TABLE rota_exceptions (
    id               BLOB PRIMARY KEY NOT NULL,
    practitioner_id  BLOB NOT NULL REFERENCES practitioners(id),
    kind             TEXT NOT NULL CHECK (kind IN ('closure', 'extra')),
    reason           TEXT,
    date_from        TEXT NOT NULL,
    date_until       TEXT NOT NULL,
    starts           TEXT,
    ends             TEXT,
    site_id          BLOB REFERENCES sites(id),
    room_id          BLOB REFERENCES rooms(id),
    services         TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    CHECK (date_from <= date_until)
) STRICT;
CREATE INDEX rota_exceptions_by_practitioner ON rota_exceptions (practitioner_id, date_from);

-- Appointments, and holds (status 'pending' with hold_expires_at): a hold occupies its time until it
-- expires, so an online booking or a waiting-list offer keeps the slot while the patient decides.
-- On SQLite "never two active appointments overlapping for one practitioner or room" is checked and
-- inserted inside one BEGIN IMMEDIATE transaction (one writer at a time).
CREATE TABLE appointments (
    id                    BLOB PRIMARY KEY NOT NULL,
    patient_id            BLOB NOT NULL REFERENCES patients(id),
    practitioner_id       BLOB NOT NULL REFERENCES practitioners(id),
    service_id            BLOB NOT NULL REFERENCES services(id),
    site_id               BLOB NOT NULL REFERENCES sites(id),
    room_id               BLOB REFERENCES rooms(id),
    starts_at             INTEGER NOT NULL,
    ends_at               INTEGER NOT NULL,
    mode                  TEXT NOT NULL CHECK (mode IN ('face_to_face', 'home_visit', 'telephone', 'video')),
    status                TEXT NOT NULL CHECK (status IN ('pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error')),
    -- Occupies its time (booked, arrived, fulfilled, or a pending hold). Kept as a column so the
    -- overlap checks are an index range read.
    active                INTEGER NOT NULL CHECK (active IN (0, 1)),
    hold_expires_at       INTEGER,
    channel               TEXT NOT NULL CHECK (channel IN ('desk', 'phone', 'online', 'waiting_list_offer')),
    booked_by             BLOB REFERENCES users(id),
    overbooked            INTEGER NOT NULL DEFAULT 0 CHECK (overbooked IN (0, 1)),
    overbook_reason       TEXT,
    interpreter_language  TEXT,
    longer                INTEGER NOT NULL DEFAULT 0 CHECK (longer IN (0, 1)),
    cancelled_by          TEXT CHECK (cancelled_by IN ('patient', 'practice')),
    cancel_reason         TEXT,
    arrived_at            INTEGER,
    called_at             INTEGER,
    finished_at           INTEGER,
    -- iCalendar SEQUENCE: bumped on every change the patient would see.
    sequence              INTEGER NOT NULL DEFAULT 0,
    rescheduled_from      BLOB REFERENCES appointments(id),
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    CHECK (starts_at < ends_at)
) STRICT;
CREATE INDEX appointments_by_practitioner ON appointments (practitioner_id, starts_at) WHERE active = 1;
CREATE INDEX appointments_by_room ON appointments (room_id, starts_at) WHERE active = 1 AND room_id IS NOT NULL;
CREATE INDEX appointments_by_patient ON appointments (patient_id, starts_at);
CREATE INDEX appointments_by_day ON appointments (site_id, starts_at);

-- What happened to an appointment, for its page (the audit log has the full trail).
CREATE TABLE appointment_events (
    id              BLOB PRIMARY KEY NOT NULL,
    appointment_id  BLOB NOT NULL REFERENCES appointments(id),
    at              INTEGER NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    detail          TEXT
) STRICT;
CREATE INDEX appointment_events_by_appointment ON appointment_events (appointment_id, at);

CREATE TABLE referrals (
    id                 BLOB PRIMARY KEY NOT NULL,
    patient_id         BLOB NOT NULL REFERENCES patients(id),
    source_organisation TEXT NOT NULL,
    referrer           TEXT NOT NULL,
    priority           TEXT NOT NULL CHECK (priority IN ('urgent_suspected_cancer', 'urgent', 'routine')),
    received_on        TEXT NOT NULL,
    target_date        TEXT NOT NULL,
    reason             TEXT NOT NULL,
    service_id         BLOB REFERENCES services(id),
    status             TEXT NOT NULL CHECK (status IN ('open', 'waiting', 'booked', 'closed')),
    appointment_id     BLOB REFERENCES appointments(id),
    created_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX referrals_open ON referrals (target_date) WHERE status IN ('open', 'waiting');

CREATE TABLE waiting_list (
    id                        BLOB PRIMARY KEY NOT NULL,
    patient_id                BLOB NOT NULL REFERENCES patients(id),
    service_id                BLOB NOT NULL REFERENCES services(id),
    priority                  TEXT NOT NULL CHECK (priority IN ('urgent', 'soon', 'routine')),
    -- Comma-separated ISO weekday numbers; empty means any day.
    preferred_days            TEXT NOT NULL DEFAULT '',
    -- Comma-separated 'HH:MM-HH:MM' local windows; empty means any time.
    preferred_times           TEXT NOT NULL DEFAULT '',
    preferred_practitioner_id BLOB REFERENCES practitioners(id),
    only_preferred_practitioner INTEGER NOT NULL DEFAULT 0 CHECK (only_preferred_practitioner IN (0, 1)),
    added_on                  TEXT NOT NULL,
    target_date               TEXT,
    source                    TEXT NOT NULL CHECK (source IN ('referral', 'request', 'clinician')),
    referral_id               BLOB REFERENCES referrals(id),
    status                    TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'booked', 'removed')),
    appointment_id            BLOB REFERENCES appointments(id),
    created_at                INTEGER NOT NULL
) STRICT;
CREATE INDEX waiting_list_by_service ON waiting_list (service_id, status);

-- A freed slot offered to one waiting patient, held (a pending appointment) until they answer or it expires.
CREATE TABLE offers (
    id               BLOB PRIMARY KEY NOT NULL,
    waiting_id       BLOB NOT NULL REFERENCES waiting_list(id),
    appointment_id   BLOB NOT NULL REFERENCES appointments(id),
    offered_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    outcome          TEXT NOT NULL CHECK (outcome IN ('open', 'accepted', 'declined', 'expired', 'withdrawn')),
    decided_at       INTEGER,
    -- The slot was first freed at this instant (for time-to-fill), and this is the n-th offer of it.
    slot_freed_at    INTEGER NOT NULL,
    chain_position   INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX offers_open ON offers (expires_at) WHERE outcome = 'open';
CREATE INDEX offers_by_waiting ON offers (waiting_id);

-- Durable work created in the same transaction as its cause (messages to send, offers to make). The
-- messaging issue adds the workers; dedupe_key makes creating the same job twice a no-op.
CREATE TABLE outbox (
    id            BLOB PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    dedupe_key    TEXT NOT NULL UNIQUE,
    patient_id    BLOB REFERENCES patients(id),
    appointment_id BLOB REFERENCES appointments(id),
    payload       TEXT NOT NULL DEFAULT '{}',
    due_at        INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dead', 'cancelled')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'queued';
CREATE INDEX outbox_by_appointment ON outbox (appointment_id) WHERE appointment_id IS NOT NULL;
