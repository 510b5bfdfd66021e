CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;

-- Scheduling: sites' opening hours and access, rooms, practitioners, services, rotas, appointments,
-- the waiting list, offers, referrals, and the outbox later work (messaging) sends from.
-- Instants are timestamptz; dates ISO text; local times 'HH:MM'.

ALTER TABLE sites ADD COLUMN phone text;
-- JSON: [{"weekday": 1, "opens": "08:00", "closes": "18:30"}, …]
ALTER TABLE sites ADD COLUMN opening_hours text NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN step_free_access boolean NOT NULL DEFAULT false;
ALTER TABLE sites ADD COLUMN hearing_loop boolean NOT NULL DEFAULT false;
ALTER TABLE sites ADD COLUMN accessible_toilet boolean NOT NULL DEFAULT false;
ALTER TABLE sites ADD COLUMN parking boolean NOT NULL DEFAULT false;
ALTER TABLE sites ADD COLUMN accessibility_notes text NOT NULL DEFAULT '';
-- What the waiting-room screen shows instead of names.
ALTER TABLE sites ADD COLUMN display_names_as text NOT NULL DEFAULT 'ticket' CHECK (display_names_as IN ('ticket', 'initials'));

CREATE TABLE rooms (
    id        uuid PRIMARY KEY,
    site_id   uuid NOT NULL REFERENCES sites(id),
    name      text NOT NULL,
    -- Comma-separated features ("treatment couch,wheelchair accessible").
    features  text NOT NULL DEFAULT '',
    UNIQUE (site_id, name)
);

CREATE TABLE practitioners (
    id            uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    user_id       uuid REFERENCES users(id),
    display_name  text NOT NULL,
    profession    text NOT NULL,
    -- Comma-separated BCP 47 tags.
    languages     text NOT NULL DEFAULT 'en',
    -- SHA-256 of the secret in the private calendar feed URL.
    feed_token_hash text UNIQUE,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL
);

CREATE TABLE services (
    id                    uuid PRIMARY KEY,
    organisation_id       uuid NOT NULL REFERENCES organisations(id),
    name                  text NOT NULL,
    description           text NOT NULL DEFAULT '',
    duration_minutes      integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
    buffer_minutes        integer NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 120),
    mode                  text NOT NULL CHECK (mode IN ('face_to_face', 'home_visit', 'telephone', 'video')),
    bookable_online       boolean NOT NULL DEFAULT true,
    min_notice_minutes    integer NOT NULL DEFAULT 0,
    max_days_ahead        integer NOT NULL DEFAULT 28,
    cancel_cutoff_minutes integer NOT NULL DEFAULT 0,
    price_pence           bigint,
    funding               text NOT NULL DEFAULT 'nhs' CHECK (funding IN ('nhs', 'private', 'insurer')),
    room_features         text NOT NULL DEFAULT '',
    preparation           text NOT NULL DEFAULT '',
    aftercare             text NOT NULL DEFAULT '',
    -- Comma-separated reminder offsets in hours before the start (messaging).
    reminder_offsets      text NOT NULL DEFAULT '168,48',
    active                boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL,
    UNIQUE (organisation_id, name)
);

CREATE TABLE service_practitioners (
    service_id       uuid NOT NULL REFERENCES services(id),
    practitioner_id  uuid NOT NULL REFERENCES practitioners(id),
    PRIMARY KEY (service_id, practitioner_id)
);

-- A weekly repeating session: when a practitioner works at a site and which services they offer.
CREATE TABLE rota_sessions (
    id                     uuid PRIMARY KEY,
    practitioner_id        uuid NOT NULL REFERENCES practitioners(id),
    site_id                uuid NOT NULL REFERENCES sites(id),
    room_id                uuid REFERENCES rooms(id),
    weekday                integer NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts                 text NOT NULL,
    ends                   text NOT NULL,
    valid_from             text NOT NULL,
    valid_until            text,
    opens_on_bank_holidays boolean NOT NULL DEFAULT false,
    -- Comma-separated service ids (hyphenated UUIDs).
    services               text NOT NULL,
    created_at             timestamptz NOT NULL,
    CHECK (starts < ends)
);
CREATE INDEX rota_sessions_by_practitioner ON rota_sessions (practitioner_id);

-- Leave, training or sickness closing dates (or part of a day), or a one-off extra session.
CREATE TABLE rota_exceptions (
    id               uuid PRIMARY KEY,
    practitioner_id  uuid NOT NULL REFERENCES practitioners(id),
    kind             text NOT NULL CHECK (kind IN ('closure', 'extra')),
    reason           text,
    date_from        text NOT NULL,
    date_until       text NOT NULL,
    starts           text,
    ends             text,
    site_id          uuid REFERENCES sites(id),
    room_id          uuid REFERENCES rooms(id),
    services         text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    CHECK (date_from <= date_until)
);
CREATE INDEX rota_exceptions_by_practitioner ON rota_exceptions (practitioner_id, date_from);

-- Appointments, and holds (status 'pending' with hold_expires_at): a hold occupies its time until it
-- expires, so an online booking or a waiting-list offer keeps the slot while the patient decides.
-- "Never two active appointments overlapping for one practitioner, room or patient" is enforced by
-- exclusion constraints (below), whatever the number of Carefront nodes; deliberate overbookings are exempt.
CREATE TABLE appointments (
    id                    uuid PRIMARY KEY,
    patient_id            uuid NOT NULL REFERENCES patients(id),
    practitioner_id       uuid NOT NULL REFERENCES practitioners(id),
    service_id            uuid NOT NULL REFERENCES services(id),
    site_id               uuid NOT NULL REFERENCES sites(id),
    room_id               uuid REFERENCES rooms(id),
    starts_at             timestamptz NOT NULL,
    ends_at               timestamptz NOT NULL,
    mode                  text NOT NULL CHECK (mode IN ('face_to_face', 'home_visit', 'telephone', 'video')),
    status                text NOT NULL CHECK (status IN ('pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error')),
    -- Occupies its time (booked, arrived, fulfilled, or a pending hold). Kept as a column so the
    -- overlap checks are an index range read.
    active                boolean NOT NULL,
    hold_expires_at       timestamptz,
    channel               text NOT NULL CHECK (channel IN ('desk', 'phone', 'online', 'waiting_list_offer')),
    booked_by             uuid REFERENCES users(id),
    overbooked            boolean NOT NULL DEFAULT false,
    overbook_reason       text,
    interpreter_language  text,
    longer                boolean NOT NULL DEFAULT false,
    cancelled_by          text CHECK (cancelled_by IN ('patient', 'practice')),
    cancel_reason         text,
    arrived_at            timestamptz,
    called_at             timestamptz,
    finished_at           timestamptz,
    -- iCalendar SEQUENCE: bumped on every change the patient would see.
    sequence              integer NOT NULL DEFAULT 0,
    rescheduled_from      uuid REFERENCES appointments(id),
    version               bigint NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    CHECK (starts_at < ends_at)
);
ALTER TABLE appointments ADD CONSTRAINT appointments_practitioner_free
    EXCLUDE USING gist (practitioner_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (active AND NOT overbooked);
ALTER TABLE appointments ADD CONSTRAINT appointments_room_free
    EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (active AND NOT overbooked AND room_id IS NOT NULL);
ALTER TABLE appointments ADD CONSTRAINT appointments_patient_free
    EXCLUDE USING gist (patient_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (active AND NOT overbooked);
CREATE INDEX appointments_by_practitioner ON appointments (practitioner_id, starts_at) WHERE active;
CREATE INDEX appointments_by_room ON appointments (room_id, starts_at) WHERE active AND room_id IS NOT NULL;
CREATE INDEX appointments_by_patient ON appointments (patient_id, starts_at);
CREATE INDEX appointments_by_day ON appointments (site_id, starts_at);

-- What happened to an appointment, for its page (the audit log has the full trail).
CREATE TABLE appointment_events (
    id              uuid PRIMARY KEY,
    appointment_id  uuid NOT NULL REFERENCES appointments(id),
    at              timestamptz NOT NULL,
    actor           text NOT NULL,
    action          text NOT NULL,
    detail          text
);
CREATE INDEX appointment_events_by_appointment ON appointment_events (appointment_id, at);

CREATE TABLE referrals (
    id                 uuid PRIMARY KEY,
    patient_id         uuid NOT NULL REFERENCES patients(id),
    source_organisation text NOT NULL,
    referrer           text NOT NULL,
    priority           text NOT NULL CHECK (priority IN ('urgent_suspected_cancer', 'urgent', 'routine')),
    received_on        text NOT NULL,
    target_date        text NOT NULL,
    reason             text NOT NULL,
    service_id         uuid REFERENCES services(id),
    status             text NOT NULL CHECK (status IN ('open', 'waiting', 'booked', 'closed')),
    appointment_id     uuid REFERENCES appointments(id),
    created_at         timestamptz NOT NULL
);
CREATE INDEX referrals_open ON referrals (target_date) WHERE status IN ('open', 'waiting');

CREATE TABLE waiting_list (
    id                        uuid PRIMARY KEY,
    patient_id                uuid NOT NULL REFERENCES patients(id),
    service_id                uuid NOT NULL REFERENCES services(id),
    priority                  text NOT NULL CHECK (priority IN ('urgent', 'soon', 'routine')),
    -- Comma-separated ISO weekday numbers; empty means any day.
    preferred_days            text NOT NULL DEFAULT '',
    -- Comma-separated 'HH:MM-HH:MM' local windows; empty means any time.
    preferred_times           text NOT NULL DEFAULT '',
    preferred_practitioner_id uuid REFERENCES practitioners(id),
    only_preferred_practitioner boolean NOT NULL DEFAULT false,
    added_on                  text NOT NULL,
    target_date               text,
    source                    text NOT NULL CHECK (source IN ('referral', 'request', 'clinician')),
    referral_id               uuid REFERENCES referrals(id),
    status                    text NOT NULL CHECK (status IN ('waiting', 'offered', 'booked', 'removed')),
    appointment_id            uuid REFERENCES appointments(id),
    created_at                timestamptz NOT NULL
);
CREATE INDEX waiting_list_by_service ON waiting_list (service_id, status);

-- A freed slot offered to one waiting patient, held (a pending appointment) until they answer or it expires.
CREATE TABLE offers (
    id               uuid PRIMARY KEY,
    waiting_id       uuid NOT NULL REFERENCES waiting_list(id),
    appointment_id   uuid NOT NULL REFERENCES appointments(id),
    offered_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    outcome          text NOT NULL CHECK (outcome IN ('open', 'accepted', 'declined', 'expired', 'withdrawn')),
    decided_at       timestamptz,
    -- The slot was first freed at this instant (for time-to-fill), and this is the n-th offer of it.
    slot_freed_at    timestamptz NOT NULL,
    chain_position   integer NOT NULL DEFAULT 1
);
CREATE INDEX offers_open ON offers (expires_at) WHERE outcome = 'open';
CREATE INDEX offers_by_waiting ON offers (waiting_id);

-- Durable work created in the same transaction as its cause (messages to send, offers to make). The
-- messaging issue adds the workers; dedupe_key makes creating the same job twice a no-op.
CREATE TABLE outbox (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL,
    dedupe_key    text NOT NULL UNIQUE,
    patient_id    uuid REFERENCES patients(id),
    appointment_id uuid REFERENCES appointments(id),
    payload       text NOT NULL DEFAULT '{}',
    due_at        timestamptz NOT NULL,
    state         text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dead', 'cancelled')),
    attempts      integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'queued';
CREATE INDEX outbox_by_appointment ON outbox (appointment_id) WHERE appointment_id IS NOT NULL;
