-- Finding who has already been offered a freed slot reads one offer chain, not every offer.
CREATE INDEX offers_by_chain ON offers (slot_freed_at);
