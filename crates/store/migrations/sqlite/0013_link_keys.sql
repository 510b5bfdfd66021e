-- The secret that signs the links in patients' messages (confirm or cancel an appointment). One row,
-- made on first use; the links carry their purpose, appointment and expiry, signed with it, so nothing is
-- stored per link. Changing the secret would make every link already sent stop working.
CREATE TABLE link_keys (
    id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    secret     BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
