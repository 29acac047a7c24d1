"""`python -m portal`: see portal/cli.py."""

from portal.cli import main

raise SystemExit(main())
