"""
Finer statistics for the search columns. With the default (100 buckets) PostgreSQL guesses that a
rare name fragment matches about 1% of a million customers, walks the newest-first index instead of
the trigram and prefix indexes, and a search takes ~200 ms; with 1000 it picks the indexes (~2 ms).
Measured with bench/customers_bench.py at 1,000,000 customers (docs/benchmarks.md).
"""

from django.db import migrations

from bankapi.migration_operations import postgresql_only

SET = """
ALTER TABLE accounts_user ALTER COLUMN search_name SET STATISTICS 1000;
ALTER INDEX user_email_lower_prefix_idx ALTER COLUMN 1 SET STATISTICS 1000;
"""
RESET = """
ALTER TABLE accounts_user ALTER COLUMN search_name SET STATISTICS -1;
ALTER INDEX user_email_lower_prefix_idx ALTER COLUMN 1 SET STATISTICS -1;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_field_validators")]

    operations = [postgresql_only(SET, RESET)]
