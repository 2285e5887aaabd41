-- `INSERT OR REPLACE` (and `REPLACE INTO`) with an existing id deletes the old row without
-- firing the DELETE trigger (SQLite only runs it with recursive_triggers on), so a replacing
-- insert is refused here. Upserts (`ON CONFLICT DO UPDATE`) are stopped by the UPDATE trigger.
CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
