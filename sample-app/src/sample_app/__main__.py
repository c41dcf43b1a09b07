"""Entry point for ``python -m sample_app``."""

from sample_app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
