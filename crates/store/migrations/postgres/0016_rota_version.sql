-- A counter bumped in the same transaction as every change to rotas, services, practitioners or sites.
-- Each node keeps the slot calendars it built from the rotas; once a calendar is older than it trusts
-- without asking, it reads this one row and keeps the calendar if nothing changed anywhere since.
CREATE TABLE rota_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO rota_version (id, version) VALUES (1, 0);
