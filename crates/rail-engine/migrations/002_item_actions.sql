-- Item bumps: the outbox action names the item it is about.
ALTER TABLE outbox ADD COLUMN item_id TEXT;
