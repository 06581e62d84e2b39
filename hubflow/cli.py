"""The ``hubflow`` command line: one parser, sub-commands registered by each part.

```console
$ hubflow serve --port 0
$ hubflow demo
```
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """Build the ``hubflow`` argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(prog="hubflow", description="hubflow: the Hugging Face Hub as a workflow.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from hubflow.server._cli import register as register_server

    register_server(commands)
    try:
        from hubflow._cli_client import register as register_client
    except ImportError:  # pragma: no cover - the client commands land separately
        pass
    else:
        register_client(commands)
    from hubflow._cli_large_folder import register as register_large_folder
    register_large_folder(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hubflow`` command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
