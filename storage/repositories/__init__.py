"""SQLAlchemy implementations of the core repositories."""
