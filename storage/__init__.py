"""nozei storage: SQLAlchemy tables, migrations, the encryption layer, files."""
