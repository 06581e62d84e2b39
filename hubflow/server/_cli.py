"""``hubflow serve`` and ``hubflow admin``: run the local Hub, manage its users and orgs.

```console
$ hubflow serve --data-dir /tmp/hub --port 0
http://127.0.0.1:41234
$ hubflow admin --data-dir /tmp/hub user add bob --token hf_bob_write
$ hubflow admin --data-dir /tmp/hub org add acme --member alice
```
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import secrets
import socket
import sys
from pathlib import Path
from typing import Any

from hubflow.server._db import Database


def default_data_dir() -> Path:
    """``$HF_HOME/../hubflow/hub`` when ``HF_HOME`` is set, else ``$XDG_CACHE_HOME|~/.cache`` ``/hubflow/hub``."""
    hf_home = os.environ.get("HF_HOME")
    if hf_home:
        return Path(hf_home).expanduser().parent / "hubflow" / "hub"
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "hubflow" / "hub"


def register(subparsers: Any) -> None:
    """Add ``serve`` and ``admin`` to the ``hubflow`` command."""
    serve = subparsers.add_parser("serve", help="run the local Hub")
    serve.add_argument("--data-dir", type=Path, default=None, help="where repos and hub.db live")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    serve.add_argument("--log-level", default="warning")
    serve.add_argument("--multipart-threshold", type=int, default=None, help="LFS multipart above this size")
    serve.add_argument("--multipart-chunk-size", type=int, default=None, help="LFS multipart part size")
    serve.add_argument(
        "--enable-jobs", action="store_true",
        help="let Jobs run commands on this host as local subprocesses (off by default)",
    )
    serve.set_defaults(func=_serve)

    admin = subparsers.add_parser("admin", help="manage users and orgs of a local Hub")
    admin.add_argument("--data-dir", type=Path, default=None)
    kinds = admin.add_subparsers(dest="kind", required=True)
    user = kinds.add_parser("user").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="create a user (or add a token to one)")
    add.add_argument("name")
    add.add_argument("--token", required=True)
    add.add_argument("--fullname")
    add.add_argument("--email")
    add.add_argument("--read-only", action="store_true", help="the token can read but not write")
    add.set_defaults(func=_user_add)
    org = kinds.add_parser("org").add_subparsers(dest="action", required=True)
    oadd = org.add_parser("add", help="create an org")
    oadd.add_argument("name")
    oadd.add_argument("--fullname")
    oadd.add_argument("--member", action="append", default=[], help="a member (repeatable)")
    oadd.set_defaults(func=_org_add)
    from hubflow.server._admin_extras import register_admin_extras  # paper, webhooks

    register_admin_extras(kinds)


def _db(args: argparse.Namespace) -> Database:
    data_dir: Path = args.data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    return Database(data_dir / "hub.db")


def _user_add(args: argparse.Namespace) -> int:
    _db(args).add_user(args.name, token=args.token, fullname=args.fullname, email=args.email, read_only=args.read_only)
    print(f"user {args.name} ready")
    return 0


def _org_add(args: argparse.Namespace) -> int:
    db = _db(args)
    missing = [m for m in args.member if db.account(m) is None]
    if missing:
        print(f"unknown users: {', '.join(missing)}", file=sys.stderr)
        return 1
    db.add_org(args.name, fullname=args.fullname, members=args.member)
    print(f"org {args.name} ready")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hubflow.server._app import create_app

    data_dir: Path = args.data_dir or default_data_dir()
    limits = {
        k: v for k, v in (("multipart_threshold", args.multipart_threshold),
                          ("multipart_chunk_size", args.multipart_chunk_size)) if v is not None
    }
    app = create_app(data_dir, enable_jobs=args.enable_jobs, **limits)
    db = app.state.hub.db
    if db.count_users() == 0:
        name = re.sub(r"[^A-Za-z0-9_.-]", "", getpass.getuser()) or "admin"
        token = f"hf_{secrets.token_urlsafe(24)}"
        db.add_user(name, token=token)
        print(f"created user {name} with write token {token}", flush=True)
    if (warning := exposure_warning(args.host)) is not None:
        print(warning, file=sys.stderr, flush=True)
    sock = bind_listener(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            print(f"http://{shown}:{port}", flush=True)

    config = uvicorn.Config(app, log_level=args.log_level, lifespan="off", timeout_keep_alive=30)
    _Server(config).run(sockets=[sock])
    return 0


def exposure_warning(host: str) -> str | None:
    """The warning printed when ``host`` is not a loopback address (None when it is).

    ```python
    assert exposure_warning("127.0.0.1") is None
    exposure_warning("0.0.0.0")  # "WARNING: ... reachable from other machines ..."
    ```
    """
    import ipaddress

    if host.lower() == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"WARNING: listening on {host}: this local Hub is reachable from other machines. Anyone who can reach it"
        " can read public repos, and a leaked token gives full access; traffic is plain HTTP (no TLS)."
        " Use the default --host 127.0.0.1 unless you mean it."
    )


def bind_listener(host: str, port: int) -> socket.socket:
    """A bound TCP listening socket for uvicorn, with ``TCP_NODELAY`` that accepted sockets inherit.

    ``proto=IPPROTO_TCP`` matters: asyncio only sets ``TCP_NODELAY`` on accepted sockets whose
    proto is ``IPPROTO_TCP``; without it every keep-alive response (headers and body are two
    writes) stalls ~40 ms on Nagle + delayed ACK.

    ```python
    sock = bind_listener("127.0.0.1", 0)
    sock.getsockname()[1]  # the port picked
    ```
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock
