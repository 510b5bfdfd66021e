-- Platform: organisation and sites, staff users, sessions, API tokens, the audit chain.

CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    ods_code    text,
    created_at  timestamptz NOT NULL
);

CREATE TABLE sites (
    id                      uuid PRIMARY KEY,
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    name                    text NOT NULL,
    time_zone               text NOT NULL DEFAULT 'Europe/London',
    bank_holiday_division   text NOT NULL DEFAULT 'england-and-wales'
        CHECK (bank_holiday_division IN ('england-and-wales', 'scotland', 'northern-ireland')),
    address_lines           text NOT NULL DEFAULT '',
    town                    text NOT NULL DEFAULT '',
    postcode                text NOT NULL DEFAULT '',
    default_language        text NOT NULL DEFAULT 'en',
    created_at              timestamptz NOT NULL
);

CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    organisation_id     uuid REFERENCES organisations(id),
    username            text NOT NULL UNIQUE,
    display_name        text NOT NULL,
    role                text NOT NULL,
    password_hash       text NOT NULL,
    totp_secret         text,
    totp_last_step      bigint,
    locked_until        timestamptz,
    disabled            boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL,
    password_changed_at timestamptz NOT NULL
);

CREATE TABLE login_failures (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id),
    at          timestamptz NOT NULL
);
CREATE INDEX login_failures_by_user ON login_failures (user_id, at);

CREATE TABLE sessions (
    id          text PRIMARY KEY,
    user_id     uuid REFERENCES users(id),
    data        text NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users(id),
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE audit_events (
    seq           bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor_id      uuid,
    actor_role    text,
    action        text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text,
    patient_id    uuid,
    purpose       text,
    reason        text,
    outcome       text NOT NULL CHECK (outcome IN ('allowed', 'denied')),
    break_glass   boolean NOT NULL DEFAULT false,
    operation_id  uuid NOT NULL,
    client_addr   text,
    prev_hash     text NOT NULL,
    hash          text NOT NULL
);
CREATE INDEX audit_events_by_patient ON audit_events (patient_id, seq) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_events_by_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_by_time ON audit_events (at);
CREATE INDEX audit_events_break_glass ON audit_events (seq) WHERE break_glass;

-- The newest event's sequence and hash. Appends lock this row (SELECT … FOR UPDATE), which orders
-- appends from every Carefront node into one chain, and deleting the newest events is detected.
CREATE TABLE audit_head (
    id    integer PRIMARY KEY CHECK (id = 1),
    seq   bigint NOT NULL,
    hash  text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE break_glass_reviews (
    audit_seq    bigint PRIMARY KEY REFERENCES audit_events(seq),
    reviewer_id  uuid NOT NULL REFERENCES users(id),
    reviewed_at  timestamptz NOT NULL,
    note         text NOT NULL
);
