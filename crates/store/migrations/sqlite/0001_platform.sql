-- Platform: organisation and sites, staff users, sessions, API tokens, the audit chain.
-- Times are INTEGER microseconds since the Unix epoch (UTC); ids are 16-byte UUID v7 blobs.

CREATE TABLE organisations (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    ods_code    TEXT,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE sites (
    id                      BLOB PRIMARY KEY NOT NULL,
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    name                    TEXT NOT NULL,
    time_zone               TEXT NOT NULL DEFAULT 'Europe/London',
    bank_holiday_division   TEXT NOT NULL DEFAULT 'england-and-wales'
        CHECK (bank_holiday_division IN ('england-and-wales', 'scotland', 'northern-ireland')),
    address_lines           TEXT NOT NULL DEFAULT '',
    town                    TEXT NOT NULL DEFAULT '',
    postcode                TEXT NOT NULL DEFAULT '',
    default_language        TEXT NOT NULL DEFAULT 'en',
    created_at              INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id                  BLOB PRIMARY KEY NOT NULL,
    organisation_id     BLOB REFERENCES organisations(id),
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    totp_secret         TEXT,
    totp_last_step      INTEGER,
    locked_until        INTEGER,
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE login_failures (
    id          BLOB PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users(id),
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_user ON login_failures (user_id, at);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     BLOB REFERENCES users(id),
    data        TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
) STRICT;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE audit_events (
    seq           INTEGER PRIMARY KEY NOT NULL,
    at            INTEGER NOT NULL,
    actor_id      BLOB,
    actor_role    TEXT,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT,
    patient_id    BLOB,
    purpose       TEXT,
    reason        TEXT,
    outcome       TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied')),
    break_glass   INTEGER NOT NULL DEFAULT 0,
    operation_id  BLOB NOT NULL,
    client_addr   TEXT,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_by_patient ON audit_events (patient_id, seq) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_events_by_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_by_time ON audit_events (at);
CREATE INDEX audit_events_break_glass ON audit_events (seq) WHERE break_glass = 1;

-- The newest event's sequence and hash, kept in the same transaction as each append so that deleting the
-- newest events is detected. One row only.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never updates or deletes audit events.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE break_glass_reviews (
    audit_seq    INTEGER PRIMARY KEY NOT NULL REFERENCES audit_events(seq),
    reviewer_id  BLOB NOT NULL REFERENCES users(id),
    reviewed_at  INTEGER NOT NULL,
    note         TEXT NOT NULL
) STRICT;
