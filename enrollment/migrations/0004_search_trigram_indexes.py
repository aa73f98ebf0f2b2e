"""Trigram indexes for the back office's "contains" searches on PostgreSQL (students by name or e-mail, cohorts by
code). Django searches with UPPER(column::text) LIKE UPPER('%term%'), so the indexes are on that expression.

Needs the pg_trgm extension; where the database user may not create it, the indexes are skipped (searches still
work, by reading the tables) and a notice says so. Nothing happens on SQLite.
"""

from django.db import migrations

INDEXES = [
    ("student_first_name_trgm", "enrollment_student", "first_name"),
    ("student_last_name_trgm", "enrollment_student", "last_name"),
    ("student_email_trgm", "enrollment_student", "email"),
    ("student_phone_trgm", "enrollment_student", "phone"),
    ("cohort_code_trgm", "courses_cohort", "code"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            try:
                cursor.execute("SAVEPOINT trgm")
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                cursor.execute("RELEASE SAVEPOINT trgm")
            except Exception as error:  # lacking the privilege is not fatal
                cursor.execute("ROLLBACK TO SAVEPOINT trgm")
                print(f"\n  pg_trgm is not available ({error}); search indexes skipped.")
                return
        for name, table, column in INDEXES:
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _, _ in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0003_back_office_indexes"),
        ("courses", "0002_session_start_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
