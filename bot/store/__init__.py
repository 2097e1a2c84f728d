"""SQLite storage: the database, migrations and repositories. All SQL of the bot lives here."""
