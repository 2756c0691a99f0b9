"""The audit log is append-only in the database itself, not only in the admin.

Rows can be inserted; an UPDATE may only clear `actor_id` or `tenant_id` (what Django's
SET_NULL does when a user or a purged blog goes away); a DELETE is refused.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION billing_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit log is append-only: entries cannot be deleted';
    END IF;
    IF NEW.action IS DISTINCT FROM OLD.action
       OR NEW.actor_label IS DISTINCT FROM OLD.actor_label
       OR NEW.tenant_label IS DISTINCT FROM OLD.tenant_label
       OR NEW.before IS DISTINCT FROM OLD.before
       OR NEW.after IS DISTINCT FROM OLD.after
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
       OR (NEW.tenant_id IS NOT NULL AND NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) THEN
        RAISE EXCEPTION 'the audit log is append-only: entries cannot be changed';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_auditlog_append_only
BEFORE UPDATE OR DELETE ON billing_auditlog
FOR EACH ROW EXECUTE FUNCTION billing_auditlog_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS billing_auditlog_append_only ON billing_auditlog;
DROP FUNCTION IF EXISTS billing_auditlog_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
