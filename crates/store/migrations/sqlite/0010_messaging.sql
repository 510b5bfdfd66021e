-- Messaging: the outbox worker's leases and results, and the messages sent (or printed) for each job — the
-- patient's communications history.
--
-- SQLite cannot change a CHECK constraint in place, so the outbox is rebuilt with its new states:
--   needs_staff  a person must act (Braille, Moon or audio to arrange; no usable channel; contact by phone)
--   to_print     a letter is waiting in the "letters to print" batch
-- Nothing references the outbox yet, so dropping and renaming is safe.

CREATE TABLE outbox_v10 (
    id             BLOB PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    dedupe_key     TEXT NOT NULL UNIQUE,
    patient_id     BLOB REFERENCES patients(id),
    appointment_id BLOB REFERENCES appointments(id),
    payload        TEXT NOT NULL DEFAULT '{}',
    due_at         INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dead', 'cancelled', 'needs_staff', 'to_print')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    -- The worker holding the job while it is 'sending', and until when; an expired lease is taken back.
    locked_by      TEXT,
    locked_until   INTEGER,
    -- Why the last attempt failed, or why the job was cancelled, deferred or handed to staff.
    last_error     TEXT,
    -- How the patient was reached (the patient's own message; copies to carers are in messages).
    channel        TEXT CHECK (channel IN ('email', 'sms', 'letter')),
    language       TEXT,
    variant        TEXT,
    fell_back      INTEGER NOT NULL DEFAULT 0 CHECK (fell_back IN (0, 1)),
    provider_id    TEXT,
    sent_at        INTEGER,
    updated_at     INTEGER
) STRICT;

INSERT INTO outbox_v10 (id, kind, dedupe_key, patient_id, appointment_id, payload, due_at, state, attempts, created_at)
    SELECT id, kind, dedupe_key, patient_id, appointment_id, payload, due_at, state, attempts, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v10 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'queued';
CREATE INDEX outbox_leases ON outbox (locked_until) WHERE state = 'sending';
CREATE INDEX outbox_by_appointment ON outbox (appointment_id) WHERE appointment_id IS NOT NULL;
CREATE INDEX outbox_by_state ON outbox (state, due_at);

-- One message to one recipient on one channel for one outbox job: what was sent to whom, in which
-- language and format. A fallback (SMS refused, then email) is a second row for the same job.
CREATE TABLE messages (
    id              BLOB PRIMARY KEY NOT NULL,
    outbox_id       BLOB NOT NULL REFERENCES outbox(id),
    patient_id      BLOB REFERENCES patients(id),
    appointment_id  BLOB REFERENCES appointments(id),
    kind            TEXT NOT NULL,
    -- 'patient', or 'related:{related person id}' for a carer's or proxy's copy.
    recipient       TEXT NOT NULL,
    recipient_name  TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
    -- The email address, the mobile number (E.164), or the postal address (lines joined by newlines).
    address         TEXT NOT NULL,
    language        TEXT NOT NULL,
    fell_back_to_english INTEGER NOT NULL DEFAULT 0 CHECK (fell_back_to_english IN (0, 1)),
    variant         TEXT NOT NULL,
    subject         TEXT,
    body_text       TEXT NOT NULL,
    body_html       TEXT,
    status          TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'delivered', 'not_delivered', 'failed', 'to_print', 'printed')),
    -- The provider's reference for this message (the outbox dedupe key, plus the recipient for copies):
    -- the SMS provider's `reference`, the email's Message-ID.
    reference       TEXT NOT NULL,
    provider        TEXT,
    provider_id     TEXT,
    error           TEXT,
    print_batch     TEXT,
    printed_at      INTEGER,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    updated_at      INTEGER NOT NULL,
    UNIQUE (outbox_id, recipient, channel)
) STRICT;
CREATE INDEX messages_by_patient ON messages (patient_id, created_at);
CREATE INDEX messages_to_print ON messages (created_at) WHERE status = 'to_print';
CREATE INDEX messages_by_provider_id ON messages (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX messages_by_reference ON messages (reference);
