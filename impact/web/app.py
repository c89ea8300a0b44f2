"""The Starlette app of `impact serve`: JSON in, the library's answers (`service.Service`) out.

Routes are fixed names: the page, its three files, the vendored Vega builds, the API (with the
progress of running requests and a cancel by kind) and two downloads by run id. No route takes
a path, so nothing on the server's disk but those files is reachable. Bodies are capped
(`MAX_BODY_BYTES`, uploads `MAX_UPLOAD_BYTES`); every request's failure is its own JSON answer
(400 bad input, one line per problem; 409 replaced by a newer request or stopped; 500 anything
else), so no request takes the server down. Blocking work runs in a thread, one simulation at a
time.
"""

from __future__ import annotations

import json
import logging
import socket
import tempfile
import threading
from collections.abc import Awaitable, Callable, Collection
from importlib.resources import files
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from impact.exceptions import InputError
from impact.web.limits import MAX_BODY_BYTES, MAX_UPLOAD_BYTES, Cancelled

if TYPE_CHECKING:
    from impact.web.service import Service

__all__ = ["LOOPBACK_NAMES", "MAX_BODY_BYTES", "Lazy", "SameOrigin", "create_app", "serve"]

LOG = logging.getLogger("impact.web")
PAGE_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
VEGA_FILES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
Handler = Callable[[Request], Awaitable[Response]]
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_SPEC_CHARS = 200
LINKABLE = ("/", "/favicon.ico")  # what a link from another site may open


def _errors(status: int, lines: list[str]) -> JSONResponse:
    return JSONResponse({"errors": lines}, status_code=status)


def guarded(handler: Handler) -> Handler:
    """Turn any failure of one request into its own JSON answer."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except InputError as exc:
            return _errors(400, [ln for ln in str(exc).splitlines() if ln.strip()])
        except Cancelled:
            return JSONResponse({"cancelled": True}, status_code=409)
        except Exception as exc:  # the edge: log it, answer, keep serving
            LOG.exception("request %s failed", request.url.path)
            return _errors(500, [f"internal error: {type(exc).__name__}: {exc}"])

    return run


async def _body(request: Request, cap: int) -> bytes:
    """The request body, refused once it passes `cap` bytes (header or actual)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise InputError(f"request: {int(declared):,} bytes: at most {cap:,} bytes are accepted")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise InputError(f"request: more than {cap:,} bytes: not accepted")
    return body


async def _json(request: Request) -> dict[str, Any]:
    body = await _body(request, MAX_BODY_BYTES)
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InputError("request: not valid JSON") from None
    except RecursionError:  # [[[[… within the body cap
        raise InputError("request: JSON nested too deeply; not a request of this page") from None
    if not isinstance(data, dict):
        raise InputError("request: expected a JSON object")
    return data


def _specs(data: dict[str, Any]) -> dict[str, Any]:
    specs = data.get("specs") or {}
    if not isinstance(specs, dict) or len(specs) > 40:
        raise InputError("specs: expected an object of at most 40 key: spec pairs")
    out = {}
    for key, value in specs.items():
        # Said, not cut: a spec cut at 200 characters could be another valid spec.
        if len(key) > MAX_SPEC_CHARS:
            raise InputError(f"specs: {key[:64]!r}…: not a key; keys are names like outage.hours")
        if isinstance(value, str) and len(value) > MAX_SPEC_CHARS:
            raise InputError(
                f"{key}: {value[:40]!r}… ({len(value):,} characters): a spec on this page is at "
                f"most {MAX_SPEC_CHARS} characters"
            )
        out[key] = value  # a number as sent; any other kind is named by `Service.build`
    return out


def _host_name(host: str) -> str:
    """The name in a Host header or an origin's netloc ("[::1]:8765" -> "::1"), lower case."""
    try:
        return (urlsplit(f"//{host}").hostname or "").lower()
    except ValueError:  # "[::1" and the like
        return ""


def foreign(
    headers: Headers, method: str, hosts: Collection[str] | None, path: str = "/"
) -> str | None:
    """Why a request is not the page's own, or None.

    A page on another site can POST to 127.0.0.1 (a form, or `fetch` with `no-cors`: no
    preflight), and one whose name an attacker points at 127.0.0.1 (DNS rebinding) can also
    read the answers. So the Host header must be one of `hosts` (when given), and a request
    that changes anything must come from a page of this server: its Origin, when the browser
    sends one (every browser does on a POST from another site), names this Host. A download
    runs a simulation too (samples.csv), so only the page itself (and a link to it) may be
    fetched from another site's page: browsers say where a request comes from in
    Sec-Fetch-Site.
    """
    host = headers.get("host", "")
    if hosts is not None and _host_name(host) not in hosts:
        return (
            f"Host: {host[:64]!r}: this server answers to {', '.join(sorted(hosts))}; open the "
            "page by that address"
        )
    origin = headers.get("origin")
    if method not in SAFE_METHODS and origin is not None:
        netloc = urlsplit(origin).netloc.lower() if origin != "null" else ""
        if not netloc or netloc != host.lower():
            return (
                f"Origin: {origin[:64]!r}: a request from another site's page is refused; use "
                "the page this server serves"
            )
    site = headers.get("sec-fetch-site", "")
    if site in ("cross-site", "same-site") and path not in LINKABLE:
        return f"{path[:64]}: a request from another site's page is refused; use this server's page"
    return None


class SameOrigin:
    """Refuse, with a 403 in one line, what `foreign` says is not the page's own request."""

    def __init__(self, app: ASGIApp, hosts: Collection[str] | None = None) -> None:
        self.app = app
        self.hosts = None if hosts is None else {h.strip("[]").lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            why = foreign(Headers(scope=scope), scope["method"], self.hosts, scope["path"])
            if why is not None:
                await _errors(403, [why])(scope, receive, send)
                return
        await self.app(scope, receive, send)


def hosts_for(host: str) -> tuple[str, ...] | None:
    """The Host names the server answers to when it listens on `host`: this machine's loopback
    names and `host` itself; any name when it listens on every address (0.0.0.0, ::), whose
    names the server cannot know."""
    if host in ("0.0.0.0", "::", ""):
        return None
    return (*LOOPBACK_NAMES, host)


class Lazy:
    """The one `Service`, made on first use: the library (numpy, pandas, scipy) loads in a
    background thread while the first page is already being served."""

    def __init__(self, workdir: Path, service: Service | None = None) -> None:
        self.workdir = workdir
        self.service = service
        self._lock = threading.Lock()

    def get(self) -> Service:
        with self._lock:
            if self.service is None:
                from impact.web.service import Service

                self.service = Service(self.workdir)
            return self.service

    def warm(self) -> None:
        threading.Thread(target=self.get, name="impact-warm", daemon=True).start()


def create_app(service: Service | Lazy, *, hosts: Collection[str] | None = None) -> Starlette:
    """The application around one `Service` (or one made on first use). Requests from another
    site's page, or (with `hosts`) for another Host name, are refused (`SameOrigin`)."""
    holder = service if isinstance(service, Lazy) else Lazy(service.workdir, service)

    async def the() -> Service:
        return await run_in_threadpool(holder.get)

    static = files("impact.web") / "static"
    vendored = files("impact.reports") / "static"

    async def page(request: Request) -> Response:
        return Response((static / "index.html").read_bytes(), media_type="text/html")

    async def page_file(request: Request) -> Response:
        name = request.path_params["name"]
        if name in PAGE_FILES:
            return Response((static / name).read_bytes(), media_type=PAGE_FILES[name])
        if name in VEGA_FILES:
            headers = {"Cache-Control": "max-age=86400"}
            body = (vendored / name).read_bytes()
            return Response(body, media_type="text/javascript", headers=headers)
        return _errors(404, [f"{name[:64]}: no such file"])

    @guarded
    async def meta(request: Request) -> Response:
        return JSONResponse((await the()).scenarios())

    @guarded
    async def scenario(request: Request) -> Response:
        data = await _json(request)
        service = await the()
        base = await run_in_threadpool(service.base, str(data.get("scenario", "")))
        return JSONResponse({"label": base.label, "specs": service.specs_of(base)})

    @guarded
    async def whatif(request: Request) -> Response:
        data = await _json(request)
        service = await the()
        trials = service.trials(data.get("trials", 100_000))
        ref, specs = str(data.get("scenario", "")), _specs(data)
        return JSONResponse(await run_in_threadpool(service.whatif, ref, specs, trials))

    @guarded
    async def upload(request: Request) -> Response:
        try:
            form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_UPLOAD_BYTES)
        except HTTPException as exc:  # starlette's multipart limits: too many files or fields
            raise InputError(f"upload: {exc.detail}; send one scenario .toml file") from None
        try:
            item = form.get("file")
            if item is None or isinstance(item, str):
                raise InputError("upload: no file; choose a scenario .toml file")
            raw = await item.read(MAX_UPLOAD_BYTES + 1)
            filename = Path(item.filename or "upload").name
        finally:
            await form.close()
        if len(raw) > MAX_UPLOAD_BYTES:
            raise InputError(f"upload: larger than {MAX_UPLOAD_BYTES // 1024} KiB; not accepted")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("upload: not UTF-8 text; a scenario file is TOML") from None
        service = await the()
        return JSONResponse(await run_in_threadpool(service.upload, text, filename))

    @guarded
    async def compare(request: Request) -> Response:
        data = await _json(request)
        pinned, current = str(data.get("pinned", "")), str(data.get("current", ""))
        service = await the()
        return JSONResponse(await run_in_threadpool(service.compare, pinned, current))

    @guarded
    async def annual(request: Request) -> Response:
        data = await _json(request)
        ref, specs = str(data.get("scenario", "")), _specs(data)
        service = await the()
        long = data.get("long") is True
        return JSONResponse(await run_in_threadpool(service.annual, ref, specs, long))

    @guarded
    async def resilience(request: Request) -> Response:
        data = await _json(request)
        current, candidate = str(data.get("current", "")), str(data.get("candidate", ""))
        service = await the()
        long = data.get("long") is True
        return JSONResponse(await run_in_threadpool(service.resilience, current, candidate, long))

    @guarded
    async def progress(request: Request) -> Response:
        return JSONResponse((await the()).progress())

    @guarded
    async def cancel(request: Request) -> Response:
        data = await _json(request)
        (await the()).cancel(str(data.get("channel", "")))
        return JSONResponse({"cancelled": True})

    @guarded
    async def report_zip(request: Request) -> Response:
        run_id = request.path_params["run"]
        service = await the()
        name, body = await run_in_threadpool(service.report_zip, run_id)
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(body, media_type="application/zip", headers=headers)

    @guarded
    async def samples(request: Request) -> Response:
        run_id = request.path_params["run"]
        service = await the()
        path = await run_in_threadpool(service.samples_csv, run_id)
        return FileResponse(path, media_type="text/csv", filename=f"samples-{run_id}.csv")

    routes = [
        Route("/", page),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/static/{name}", page_file),
        Route("/api/meta", meta),
        Route("/api/scenario", scenario, methods=["POST"]),
        Route("/api/whatif", whatif, methods=["POST"]),
        Route("/api/upload", upload, methods=["POST"]),
        Route("/api/compare", compare, methods=["POST"]),
        Route("/api/annual", annual, methods=["POST"]),
        Route("/api/resilience", resilience, methods=["POST"]),
        Route("/api/progress", progress),
        Route("/api/cancel", cancel, methods=["POST"]),
        Route("/download/{run}/report.zip", report_zip),
        Route("/download/{run}/samples.csv", samples),
    ]
    return Starlette(routes=routes, middleware=[Middleware(SameOrigin, hosts=hosts)])


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port for uvicorn, or an InputError naming the flag at fault: an
    address that does not resolve names --host, a port in use (or an address not this
    machine's) names --port."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        raise InputError(
            f"--host: {host!r}: not an address or a name this machine can resolve; give e.g. "
            "127.0.0.1"
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise InputError(
            f"--host/--port: {host}:{port}: cannot listen there ({exc.strerror or exc}); "
            "give another --port, or an address of this machine"
        ) from None
    sock.set_inheritable(True)
    return sock


def serve(host: str, port: int, *, announce: Callable[[str], None] = print) -> None:
    """Serve until Ctrl-C; the temporary folder of the runs goes with the server.

    uvicorn takes SIGINT and SIGTERM while it runs and raises them again once it has stopped,
    so the CLI's own handler then reports the interrupt (exit 130); running simulations are
    cancelled at their next block first.
    """
    import uvicorn

    from impact.reports.files import forget_committed

    with tempfile.TemporaryDirectory(prefix="impact-serve-") as workdir:
        holder = Lazy(Path(workdir))
        holder.warm()
        config = uvicorn.Config(
            create_app(holder, hosts=hosts_for(host)),
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
        )

        class Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: FrameType | None) -> None:
                # Cancel running simulations now: uvicorn waits for open requests to answer
                # before `run` returns, so a long run would otherwise finish first.
                if holder.service is not None:
                    holder.service.cancel_all()
                super().handle_exit(sig, frame)

        server = Server(config)
        sock = _listen(host, port)  # bound before the banner: a busy port is one line, not three
        announce(f"impact serve: http://{host}:{port}/  (Ctrl-C stops it)")
        try:
            server.run(sockets=[sock])
        except SystemExit:  # uvicorn exits 1 when it cannot bind
            raise InputError(
                f"--host/--port: {host}:{port}: cannot listen there (in use, or not this "
                "machine's address); give another --port"
            ) from None
        finally:
            if holder.service is not None:
                holder.service.cancel_all()
            # The downloads' report folders go with the temporary folder: an interrupt must not
            # say "interrupted after writing /tmp/impact-serve-…/run-3/report; its files are
            # this run's, complete".
            forget_committed(Path(workdir))
