-- Text messages patients send back (`CANCEL`, `STOP`, or anything else), one row per message the provider
-- passed on. The provider's id is unique, so a replayed callback is recognised and does nothing twice.
-- (0014 is left for the outbox worker's own changes.)
CREATE TABLE sms_replies (
    id             BLOB PRIMARY KEY NOT NULL,
    provider       TEXT NOT NULL,
    provider_id    TEXT NOT NULL,
    -- E.164 when it could be read as a phone number, else as received.
    from_number    TEXT NOT NULL,
    body           TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    -- The patient it was matched to, and the appointment it cancelled.
    patient_id     BLOB REFERENCES patients(id),
    appointment_id BLOB REFERENCES appointments(id),
    action         TEXT NOT NULL CHECK (action IN ('cancelled', 'opted_out', 'unknown_number', 'not_understood',
                                                   'no_appointment', 'ambiguous', 'too_late')),
    -- What happened, in words staff can act on.
    outcome        TEXT NOT NULL,
    UNIQUE (provider, provider_id)
) STRICT;
CREATE INDEX sms_replies_by_time ON sms_replies (received_at);
