-- Practice wording for message templates: one row per saved version of one part (subject or body) of one
-- message (kind × channel × variant) in one language. Nothing is overwritten: the newest version is the
-- one in use, the older ones are the history. A version whose text is NULL puts back the shipped wording.

CREATE TABLE template_edits (
    id              BLOB PRIMARY KEY NOT NULL,
    organisation_id BLOB NOT NULL REFERENCES organisations(id),
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
    variant         TEXT NOT NULL CHECK (variant IN ('standard', 'easy_read', 'large_print')),
    part            TEXT NOT NULL CHECK (part IN ('subject', 'body')),
    language        TEXT NOT NULL,
    -- 1, 2, 3 … per (organisation, kind, channel, variant, part, language).
    version         INTEGER NOT NULL CHECK (version >= 1),
    -- The Fluent pattern as typed in the editor; NULL: back to the shipped wording.
    text            TEXT,
    edited_at       INTEGER NOT NULL,
    edited_by       BLOB REFERENCES users(id),
    UNIQUE (organisation_id, kind, channel, variant, part, language, version)
) STRICT;
