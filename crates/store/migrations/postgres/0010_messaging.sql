-- Messaging: the outbox worker's leases and results, and the messages sent (or printed) for each job — the
-- patient's communications history.
--
-- New outbox states:
--   needs_staff  a person must act (Braille, Moon or audio to arrange; no usable channel; contact by phone)
--   to_print     a letter is waiting in the "letters to print" batch

ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dead', 'cancelled', 'needs_staff', 'to_print'));
-- The worker holding the job while it is 'sending', and until when; an expired lease is taken back.
ALTER TABLE outbox ADD COLUMN locked_by text;
ALTER TABLE outbox ADD COLUMN locked_until timestamptz;
-- Why the last attempt failed, or why the job was cancelled, deferred or handed to staff.
ALTER TABLE outbox ADD COLUMN last_error text;
-- How the patient was reached (the patient's own message; copies to carers are in messages).
ALTER TABLE outbox ADD COLUMN channel text CHECK (channel IN ('email', 'sms', 'letter'));
ALTER TABLE outbox ADD COLUMN language text;
ALTER TABLE outbox ADD COLUMN variant text;
ALTER TABLE outbox ADD COLUMN fell_back boolean NOT NULL DEFAULT false;
ALTER TABLE outbox ADD COLUMN provider_id text;
ALTER TABLE outbox ADD COLUMN sent_at timestamptz;
ALTER TABLE outbox ADD COLUMN updated_at timestamptz;
CREATE INDEX outbox_leases ON outbox (locked_until) WHERE state = 'sending';
CREATE INDEX outbox_by_state ON outbox (state, due_at);

-- One message to one recipient on one channel for one outbox job: what was sent to whom, in which
-- language and format. A fallback (SMS refused, then email) is a second row for the same job.
CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    outbox_id       uuid NOT NULL REFERENCES outbox(id),
    patient_id      uuid REFERENCES patients(id),
    appointment_id  uuid REFERENCES appointments(id),
    kind            text NOT NULL,
    -- 'patient', or 'related:{related person id}' for a carer's or proxy's copy.
    recipient       text NOT NULL,
    recipient_name  text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
    -- The email address, the mobile number (E.164), or the postal address (lines joined by newlines).
    address         text NOT NULL,
    language        text NOT NULL,
    fell_back_to_english boolean NOT NULL DEFAULT false,
    variant         text NOT NULL,
    subject         text,
    body_text       text NOT NULL,
    body_html       text,
    status          text NOT NULL CHECK (status IN ('sending', 'sent', 'delivered', 'not_delivered', 'failed', 'to_print', 'printed')),
    -- The provider's reference for this message (the outbox dedupe key, plus the recipient for copies):
    -- the SMS provider's `reference`, the email's Message-ID.
    reference       text NOT NULL,
    provider        text,
    provider_id     text,
    error           text,
    print_batch     text,
    printed_at      timestamptz,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    updated_at      timestamptz NOT NULL,
    UNIQUE (outbox_id, recipient, channel)
);
CREATE INDEX messages_by_patient ON messages (patient_id, created_at);
CREATE INDEX messages_to_print ON messages (created_at) WHERE status = 'to_print';
CREATE INDEX messages_by_provider_id ON messages (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX messages_by_reference ON messages (reference);
