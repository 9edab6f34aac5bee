"""
`manage.py import_customers FILE [--dry-run] [--skip-invalid] [--phone-region CC]`
`manage.py import_customers --from-db URL --table NAME [...]`

Brings the Flask service's customers over (legacy.importing does the work; docs/migration.md says
how to run a migration). Invalid rows, conflicts and unusable password hashes go to stderr, one a
line (`line N: reason`); the counts go to stdout. Without --skip-invalid one invalid row aborts the
run (exit status 1) and nothing is written; conflicts and customers already imported never change
the exit status.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from legacy.importing import (
    DEFAULT_PHONE_REGION,
    ImportAborted,
    ImportPlan,
    SourceError,
    csv_rows,
    import_plan,
    import_write,
    phone_region_check,
    table_rows,
)

PROGRESS_BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Import the Flask service's customers from its CSV export or its PostgreSQL table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", metavar="FILE", help="the Flask customer table's CSV export")
        parser.add_argument("--from-db", metavar="URL", help="read the table from this PostgreSQL database instead")
        parser.add_argument("--table", metavar="NAME", help="with --from-db: the table (NAME or SCHEMA.NAME)")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows and skip the invalid ones"
        )
        parser.add_argument(
            "--phone-region",
            default=DEFAULT_PHONE_REGION,
            metavar="CC",
            help=f"region of phone numbers written without a country code (default {DEFAULT_PHONE_REGION})",
        )

    def handle(
        self,
        *args: object,
        file: str | None,
        from_db: str | None,
        table: str | None,
        dry_run: bool,
        skip_invalid: bool,
        phone_region: str,
        **options: object,
    ) -> None:
        if (file is None) == (from_db is None):
            raise CommandError("give either FILE or --from-db URL --table NAME (one source, not both)")
        if from_db is not None and not table:
            raise CommandError("--from-db needs --table NAME")
        if table and from_db is None:
            raise CommandError("--table goes with --from-db URL")
        self.interactive = self.stdout.isatty()
        self.started = time.monotonic()
        self.stage = ""
        try:
            region = phone_region_check(phone_region)
            if file is not None:
                path = Path(file)
                plan = import_plan(
                    csv_rows(path, progress=self._progress),
                    source=f"file {path.name}",
                    unit="line",
                    region=region,
                    progress=self._progress,
                )
            else:
                plan = import_plan(
                    table_rows(from_db, table, progress=self._progress),
                    source=f"table {table}",
                    unit="row",
                    region=region,
                    progress=self._progress,
                )
        except SourceError as error:
            self._end_progress()
            raise CommandError(str(error)) from None
        self._end_progress()
        self._list_problems(plan)

        if plan.invalid and not skip_invalid:
            self._report(plan, "Nothing was written" + (" (dry run)" if dry_run else "") + ".", aborted=True)
            raise CommandError(
                f"{len(plan.invalid)} invalid {_rows(len(plan.invalid))} (listed above, by {plan.unit}); "
                "nothing was written. Correct them, or run again with --skip-invalid to import the other rows."
            )
        if dry_run:
            self._report(plan, f"Dry run of an import from {plan.source}: nothing was written.")
            return
        try:
            imported = import_write(plan, progress=self._progress)
        except ImportAborted as error:
            self._end_progress()
            raise CommandError(str(error)) from None
        self._end_progress()
        elapsed = time.monotonic() - self.started
        self._report(
            plan, f"Imported {imported} {_customers(imported)} from {plan.source} in {elapsed:.1f} s.", written=True
        )

    def _list_problems(self, plan: ImportPlan) -> None:
        unit = plan.unit
        for problem in plan.invalid:
            self.stderr.write(f"{unit} {problem.line}: {problem.reason}")
        for conflict in plan.conflicts:
            self.stderr.write(
                f"{unit} {conflict.line}: account number {conflict.account_number} is already taken and "
                f"{conflict.reason}; conflict, not touched"
            )
        for customer in plan.to_import:
            if customer.password_warning:
                self.stderr.write(f"{unit} {customer.line}: {customer.password_warning}")

    def _report(self, plan: ImportPlan, headline: str, *, written: bool = False, aborted: bool = False) -> None:
        dry = "imported" if written else "to import"
        invalid = "invalid (aborted the run):" if aborted else "invalid (skipped):"
        counts = plan.counts()
        lines = [
            headline,
            f"  rows read:                       {counts['rows_read']:>9,}",
            f"  {dry + ':':<32} {counts['imported']:>9,}",
            f"  already imported (skipped):      {counts['already_imported']:>9,}",
            f"  conflicts (not touched):         {counts['conflicts']:>9,}",
            f"  {invalid:<32} {counts['invalid']:>9,}",
            f"  without a usable password:       {counts['without_usable_password']:>9,}"
            "  (they cannot log in until a password is set)",
            "Not carried over: age and gender (data minimisation); login_attempts and last_failed_attempt "
            "(this service counts failed logins itself).",
        ]
        for line in lines:
            self.stdout.write(line)

    def _progress(self, stage: str, done: int, total: int | None) -> None:
        if not self.interactive:
            return
        if stage != self.stage and self.stage:
            self.stdout.write("")
        self.stage = stage
        if total:
            filled = PROGRESS_BAR_WIDTH * min(done, total) // total
            bar = "#" * filled + "." * (PROGRESS_BAR_WIDTH - filled)
            shown = f"{100 * min(done, total) // total}%" if stage == "reading" else f"{done:,}/{total:,}"
            self.stdout.write(f"\r{stage:<9} [{bar}] {shown}", ending="")
        else:
            self.stdout.write(f"\r{stage:<9} {done:,}", ending="")
        self.stdout.flush()

    def _end_progress(self) -> None:
        if self.interactive and self.stage:
            self.stdout.write("")
            self.stage = ""


def _rows(count: int) -> str:
    return "row" if count == 1 else "rows"


def _customers(count: int) -> str:
    return "customer" if count == 1 else "customers"
