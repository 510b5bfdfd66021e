-- Reception: running-late notices, the waiting-room screen and its site settings.

-- "Running late" notices go out once the delay reaches this many minutes.
ALTER TABLE sites ADD COLUMN late_threshold_minutes integer NOT NULL DEFAULT 20
    CHECK (late_threshold_minutes BETWEEN 5 AND 240);
-- SHA-256 of the secret in the waiting-room screen's address (the TV is not signed in); none until a
-- manager creates one.
ALTER TABLE sites ADD COLUMN display_key_hash text;

-- Ticket numbers handed out at check-in, counted per site per local day (1, 2, 3 …), so the screen can
-- call patients without naming them.
CREATE TABLE reception_ticket_counters (
    site_id   uuid NOT NULL REFERENCES sites(id),
    day       text NOT NULL,
    last      integer NOT NULL,
    PRIMARY KEY (site_id, day)
);

CREATE TABLE reception_tickets (
    appointment_id  uuid PRIMARY KEY REFERENCES appointments(id),
    site_id         uuid NOT NULL REFERENCES sites(id),
    day             text NOT NULL,
    number          integer NOT NULL CHECK (number > 0),
    UNIQUE (site_id, day, number)
);

-- The last running-late step each patient was told of (at most one notice per patient per step).
CREATE TABLE running_late_notices (
    appointment_id  uuid PRIMARY KEY REFERENCES appointments(id),
    step            integer NOT NULL CHECK (step >= 0),
    delay_minutes   integer NOT NULL,
    notified_at     timestamptz NOT NULL
);
