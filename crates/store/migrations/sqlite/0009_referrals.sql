-- Referrals: how a closed referral ended (seen, or closed for another reason), and each organisation's
-- referral target days (absent: the defaults, urgent suspected cancer 14 days).

ALTER TABLE referrals ADD COLUMN outcome TEXT CHECK (outcome IN ('seen', 'declined', 'not_needed', 'other'));
ALTER TABLE referrals ADD COLUMN outcome_note TEXT;
ALTER TABLE referrals ADD COLUMN closed_at INTEGER;
ALTER TABLE referrals ADD COLUMN closed_by BLOB REFERENCES users(id);
CREATE INDEX referrals_by_patient ON referrals (patient_id);
CREATE INDEX waiting_list_by_referral ON waiting_list (referral_id) WHERE referral_id IS NOT NULL;
CREATE INDEX offers_by_offered_at ON offers (offered_at);

CREATE TABLE referral_targets (
    organisation_id              BLOB PRIMARY KEY NOT NULL REFERENCES organisations(id),
    urgent_suspected_cancer_days INTEGER NOT NULL CHECK (urgent_suspected_cancer_days BETWEEN 1 AND 730),
    urgent_days                  INTEGER NOT NULL CHECK (urgent_days BETWEEN 1 AND 730),
    routine_days                 INTEGER NOT NULL CHECK (routine_days BETWEEN 1 AND 730),
    -- A referral is "approaching" its target this many days before it.
    warn_days                    INTEGER NOT NULL CHECK (warn_days BETWEEN 0 AND 60),
    updated_at                   INTEGER NOT NULL,
    updated_by                   BLOB REFERENCES users(id)
) STRICT;
