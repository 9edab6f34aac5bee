"""
Makes PostgreSQL itself guard the ledger, whatever code or role writes to it:
- entries and journal transactions are immutable: UPDATE and DELETE refused for every role, TRUNCATE
  for every role but a superuser (as for the audit trail: what lets a test database be emptied);
- each entry continues its account's running balance (its balance_after is the last one's plus its
  amount);
- at commit, every journal transaction has two or more entries in one currency, its own, summing to
  zero, and every account it touched holds exactly its last entry's running balance.
The CHECK constraints of ledger/models.py keep customer balances at or above zero (SQLite too).
(`%%s` in the SQL is format()'s `%s`: the statement goes through the driver's placeholder parsing.)
"""

from django.db import migrations

from bankapi.migration_operations import postgresql_only

CREATE = """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is immutable: ' || TG_OP || ' refused; post a reversal instead',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ledger_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is immutable: TRUNCATE refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entry_immutable
    BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entry_no_truncate
    BEFORE TRUNCATE ON ledger_entry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
CREATE TRIGGER ledger_journaltransaction_immutable
    BEFORE UPDATE OR DELETE ON ledger_journaltransaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_journaltransaction_no_truncate
    BEFORE TRUNCATE ON ledger_journaltransaction
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();

CREATE FUNCTION ledger_entry_continue_running_balance() RETURNS trigger AS $$
DECLARE
    previous bigint;
BEGIN
    SELECT balance_after INTO previous FROM ledger_entry
        WHERE account_id = NEW.account_id ORDER BY id DESC LIMIT 1;
    IF NEW.balance_after IS DISTINCT FROM COALESCE(previous, 0) + NEW.amount THEN
        RAISE EXCEPTION USING
            MESSAGE = format('ledger entry on account %%s: balance_after %%s is not %%s + %%s',
                             NEW.account_id, NEW.balance_after, COALESCE(previous, 0), NEW.amount),
            ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entry_running_balance
    BEFORE INSERT ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_continue_running_balance();

CREATE FUNCTION ledger_check_account_balance(account bigint) RETURNS void AS $$
DECLARE
    held bigint;
    last_balance bigint;
BEGIN
    SELECT balance INTO held FROM ledger_account WHERE id = account;
    SELECT balance_after INTO last_balance FROM ledger_entry
        WHERE account_id = account ORDER BY id DESC LIMIT 1;
    IF held IS DISTINCT FROM COALESCE(last_balance, 0) THEN
        RAISE EXCEPTION USING
            MESSAGE = format('ledger account %%s holds %%s but its entries come to %%s',
                             account, held, COALESCE(last_balance, 0)),
            ERRCODE = 'check_violation';
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ledger_check_transaction_balanced(journal_transaction bigint) RETURNS void AS $$
DECLARE
    total numeric;
    entries integer;
    other_currencies integer;
BEGIN
    SELECT COALESCE(SUM(e.amount), 0), COUNT(*), COUNT(*) FILTER (WHERE a.currency <> t.currency)
        INTO total, entries, other_currencies
        FROM ledger_journaltransaction t
        LEFT JOIN ledger_entry e ON e.journal_transaction_id = t.id
        LEFT JOIN ledger_account a ON a.id = e.account_id
        WHERE t.id = journal_transaction;
    IF total <> 0 OR entries < 2 OR other_currencies > 0 THEN
        RAISE EXCEPTION USING
            MESSAGE = format('journal transaction %%s: %%s entries summing to %%s, %%s in another currency',
                             journal_transaction, entries, total, other_currencies),
            ERRCODE = 'check_violation';
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ledger_entry_check_at_commit() RETURNS trigger AS $$
BEGIN
    PERFORM ledger_check_transaction_balanced(NEW.journal_transaction_id);
    PERFORM ledger_check_account_balance(NEW.account_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ledger_journaltransaction_check_at_commit() RETURNS trigger AS $$
BEGIN
    PERFORM ledger_check_transaction_balanced(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ledger_account_check_at_commit() RETURNS trigger AS $$
BEGIN
    PERFORM ledger_check_account_balance(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced_at_commit
    AFTER INSERT ON ledger_entry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_at_commit();
CREATE CONSTRAINT TRIGGER ledger_journaltransaction_balanced_at_commit
    AFTER INSERT ON ledger_journaltransaction DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_journaltransaction_check_at_commit();
CREATE CONSTRAINT TRIGGER ledger_account_balance_at_commit
    AFTER INSERT OR UPDATE OF balance ON ledger_account DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_account_check_at_commit();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_account_balance_at_commit ON ledger_account;
DROP TRIGGER IF EXISTS ledger_journaltransaction_balanced_at_commit ON ledger_journaltransaction;
DROP TRIGGER IF EXISTS ledger_entry_balanced_at_commit ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_entry_running_balance ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_journaltransaction_no_truncate ON ledger_journaltransaction;
DROP TRIGGER IF EXISTS ledger_journaltransaction_immutable ON ledger_journaltransaction;
DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_account_check_at_commit();
DROP FUNCTION IF EXISTS ledger_journaltransaction_check_at_commit();
DROP FUNCTION IF EXISTS ledger_entry_check_at_commit();
DROP FUNCTION IF EXISTS ledger_check_transaction_balanced(bigint);
DROP FUNCTION IF EXISTS ledger_check_account_balance(bigint);
DROP FUNCTION IF EXISTS ledger_entry_continue_running_balance();
DROP FUNCTION IF EXISTS ledger_refuse_truncate();
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [postgresql_only(CREATE, DROP)]
