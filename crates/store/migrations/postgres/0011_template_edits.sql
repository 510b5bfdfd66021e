-- Practice wording for message templates: one row per saved version of one part (subject or body) of one
-- message (kind × channel × variant) in one language. Nothing is overwritten: the newest version is the
-- one in use, the older ones are the history. A version whose text is NULL puts back the shipped wording.

CREATE TABLE template_edits (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    kind            text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
    variant         text NOT NULL CHECK (variant IN ('standard', 'easy_read', 'large_print')),
    part            text NOT NULL CHECK (part IN ('subject', 'body')),
    language        text NOT NULL,
    -- 1, 2, 3 … per (organisation, kind, channel, variant, part, language).
    version         integer NOT NULL CHECK (version >= 1),
    -- The Fluent pattern as typed in the editor; NULL: back to the shipped wording.
    text            text,
    edited_at       timestamptz NOT NULL,
    edited_by       uuid REFERENCES users(id),
    UNIQUE (organisation_id, kind, channel, variant, part, language, version)
);
