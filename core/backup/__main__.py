"""`python -m core.backup`: the server operator's command line (core.backup.cli)."""

from core.backup.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
