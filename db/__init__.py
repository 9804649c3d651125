"""Database layer: models, engine and session factory, migrations, demo seed."""
