"""
Makes account numbers immutable in PostgreSQL itself: an UPDATE that changes one is rejected,
whatever code (or person with SQL access) issues it.
"""

from django.db import migrations

from bankapi.migration_operations import postgresql_only

CREATE = """
CREATE FUNCTION accounts_user_account_number_immutable() RETURNS trigger AS $$
BEGIN
    IF NEW.account_number IS DISTINCT FROM OLD.account_number THEN
        RAISE EXCEPTION 'account_number is immutable' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_user_account_number_immutable
    BEFORE UPDATE OF account_number ON accounts_user
    FOR EACH ROW EXECUTE FUNCTION accounts_user_account_number_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_user_account_number_immutable ON accounts_user;
DROP FUNCTION IF EXISTS accounts_user_account_number_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [postgresql_only(CREATE, DROP)]
