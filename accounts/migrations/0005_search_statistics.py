"""
A statistics target of 1000 (the default is 100) for the search columns. It was meant to let
PostgreSQL see that a rare name fragment matches few customers, so that it reads them from the
trigram and prefix indexes (~2 ms) instead of walking the newest-first index (~200 ms). It does not:
no sample lets the planner estimate `LIKE '%fragment%'`, and at 1,000,000 customers rare terms still
walked, more of them with 1000 than with the default (docs/benchmarks.md). What keeps a rare term
fast is customers.selectors._search_candidates, which collects the matches with bitmap index scans
only, whatever the statistics say.
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
