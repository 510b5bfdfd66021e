-- Reception: running-late notices, the waiting-room screen and its site settings.

-- "Running late" notices go out once the delay reaches this many minutes.
ALTER TABLE sites ADD COLUMN late_threshold_minutes INTEGER NOT NULL DEFAULT 20
    CHECK (late_threshold_minutes BETWEEN 5 AND 240);
-- SHA-256 of the secret in the waiting-room screen's address (the TV is not signed in); none until a
-- manager creates one.
ALTER TABLE sites ADD COLUMN display_key_hash TEXT;

-- Ticket numbers handed out at check-in, counted per site per local day (1, 2, 3 …), so the screen can
-- call patients without naming them.
CREATE TABLE reception_ticket_counters (
    site_id   BLOB NOT NULL REFERENCES sites(id),
    day       TEXT NOT NULL,
    last      INTEGER NOT NULL,
    PRIMARY KEY (site_id, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE reception_tickets (
    appointment_id  BLOB PRIMARY KEY NOT NULL REFERENCES appointments(id),
    site_id         BLOB NOT NULL REFERENCES sites(id),
    day             TEXT NOT NULL,
    number          INTEGER NOT NULL CHECK (number > 0),
    UNIQUE (site_id, day, number)
) STRICT;

-- The last running-late step each patient was told of (at most one notice per patient per step).
CREATE TABLE running_late_notices (
    appointment_id  BLOB PRIMARY KEY NOT NULL REFERENCES appointments(id),
    step            INTEGER NOT NULL CHECK (step >= 0),
    delay_minutes   INTEGER NOT NULL,
    notified_at     INTEGER NOT NULL
) STRICT;
