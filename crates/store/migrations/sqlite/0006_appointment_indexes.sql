-- Overlap reads use "active" as a plain condition, which SQLite only matches to an index declared with the
-- same words; and expiring holds should not scan every appointment.
DROP INDEX appointments_by_practitioner;
DROP INDEX appointments_by_room;
CREATE INDEX appointments_by_practitioner ON appointments (practitioner_id, starts_at) WHERE active;
CREATE INDEX appointments_by_room ON appointments (room_id, starts_at) WHERE active AND room_id IS NOT NULL;
CREATE INDEX appointments_holds ON appointments (hold_expires_at) WHERE status = 'pending' AND active;
