"""`impact serve`: the what-if web page on this machine (the optional extra `impact[web]`)."""

import sys
from importlib.util import find_spec
from typing import Annotated

import typer

from impact.exceptions import InputError

WEB_MODULES = ("starlette", "uvicorn", "multipart")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def serve_command(
    host: Annotated[
        str | None,
        typer.Option("--host", help="address to listen on (default 127.0.0.1: this machine only)"),
    ] = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port")] = 8765,
) -> None:
    """Serve the what-if web page on this machine (needs the extra: pip install "impact[web]").

    Ctrl-C stops it (exit 130); its temporary files go with it.
    """
    if any(find_spec(name) is None for name in WEB_MODULES):
        raise InputError('impact serve needs the web extra: pip install "impact[web]"')
    if host is not None and host not in LOCAL_HOSTS:
        print(
            f"warning: --host {host}: the page is reachable from other machines, with no login",
            file=sys.stderr,
        )
    from impact.web.app import serve

    serve(host or "127.0.0.1", port)
