"""``python -m danmodel``: the danmodel command line."""

from danmodel.cli import main

raise SystemExit(main())
