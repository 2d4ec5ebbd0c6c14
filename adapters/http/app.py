"""The HTTP API of http.md on FastAPI: parse the request, check the caller's role, call
the same use case as the command line, render the same JSON. Every request, allowed or
refused, is one entry in the access log; every error is one JSON line."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from adapters import application
from adapters.application import access
from adapters.application.ingesting import Closed, Congested, ingest_pipeline
from adapters.application.reading import explained_subjects
from adapters.composition import Volym
from adapters.errors import UserError, one_line
from adapters.eventstore.unavailable import StoreUnavailable
from adapters.http.report_process import ReportParams, ReportProcesses, StoreUnanswered
from adapters.reports.formats import to_json
from adapters.security.access_log import ACTION_LENGTH
from adapters.security.roles import MAINTAIN, POST_EVENTS, READ_AGGREGATES, READ_CASES, Role
from adapters.security.tokens import Token

MAX_EVENTS = 10_000
MAX_BYTES = 16 * 1024 * 1024


# The body is read by hand (a JSON array or JSON Lines, checked line by line as the feed
# is), so FastAPI cannot describe it: this says what an integrator may send.
_FEED_OBJECT = {
    "type": "object",
    "description": "One feed event (feed.md): type, event_id, source, occurred_on, ...",
    "required": ["type", "event_id", "source"],
    "properties": {
        "type": {"type": "string", "example": "placement.started"},
        "event_id": {"type": "string"},
        "source": {"type": "string"},
    },
    "additionalProperties": True,
}
EVENTS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": _FEED_OBJECT, "maxItems": MAX_EVENTS}
            },
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "one feed object per line"}
            },
        },
    }
}


class Refused(Exception):
    """An answer other than 200, with its status and one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def create_app(volym: Volym) -> FastAPI:
    # One ingest pipeline for the process, as `volym ingest` has for a file: a helper
    # process prepares, one thread commits each request and projects it; its aggregates
    # stay cached across requests.
    feeds = ingest_pipeline(volym) if volym.pseudonymizer is not None else None
    reports = ReportProcesses(volym)
    entries = access.Appender(volym)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        reports.start()
        if feeds is not None:
            await run_in_threadpool(feeds.start)
        yield
        # uvicorn has finished the requests in hand: each is stored and answered.
        if feeds is not None:
            await run_in_threadpool(feeds.stop)
        await run_in_threadpool(reports.stop)
        await run_in_threadpool(entries.stop)

    app = FastAPI(
        title="volym",
        version="1",
        description="Case volumes and costs of individ- och familjeomsorg (http.md).",
        openapi_url="/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.pipeline = feeds

    def _ingest(lines: list[str]) -> application.IngestSummary:
        if feeds is None:
            raise UserError("this server has no pseudonym key: it cannot accept events")
        return feeds.ingest(lines)

    def caller(request: Request) -> Token:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        token = access.authenticate(volym, secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise Refused(401, "no valid token: send Authorization: Bearer TOKEN")
        request.state.token = token
        return token

    def allowed(roles: frozenset[Role]) -> Callable[[Token], Token]:
        def check(token: Annotated[Token, Depends(caller)]) -> Token:
            if token.role not in roles:
                raise Refused(403, f"the role {token.role.value} may not do this")
            return token

        return check

    @app.middleware("http")
    async def log_access(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.subjects = []
        response = await call_next(request)
        token: Token | None = getattr(request.state, "token", None)
        parameters: dict[str, Any] = {
            "path": request.url.path,
            **{k: v if len(v) > 1 else v[0] for k, v in _query(request).items()},
        }
        entry = access.Access(
            token.name if token else "anonymous",
            token.role.value if token else "none",
            _action(request),
            parameters,
            str(response.status_code),
            request.state.subjects,
        )
        if request.url.path != "/v1/health":
            # Stored before the answer goes: appended with the entries of other requests
            # of the same moment, by the appender's thread (not on the event loop).
            await asyncio.wrap_future(entries.append(entry))
        return response

    @app.exception_handler(Refused)
    def refused(_: Request, error: Refused) -> JSONResponse:
        return JSONResponse({"error": one_line(str(error))}, status_code=error.status)

    @app.exception_handler(UserError)
    def user_error(_: Request, error: UserError) -> JSONResponse:
        text = one_line(str(error))
        status = 404 if text.startswith("no ") and "stored" in text else 400
        return JSONResponse({"error": text}, status_code=status)

    @app.exception_handler(ClientDisconnect)
    def gone(_: Request, error: ClientDisconnect) -> JSONResponse:
        # Hung up before its body was read: nothing was stored. The answer reaches no one,
        # but the access log keeps its status.
        return JSONResponse(
            {"error": "the client hung up before the body was read; nothing was stored"},
            status_code=400,
        )

    @app.exception_handler(RequestValidationError)
    def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = one_line(f"{where}: {first.get('msg', 'invalid')}")
        return JSONResponse({"error": message}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": one_line(str(error.detail))}, status_code=error.status_code)

    def unavailable(_: Request, error: Exception) -> JSONResponse:
        return JSONResponse(
            {"error": "the store is unavailable; nothing was stored; send the request again"},
            status_code=503,
        )

    for kind in (*StoreUnavailable, StoreUnanswered):
        app.add_exception_handler(kind, unavailable)

    def not_now(_: Request, error: Exception) -> JSONResponse:
        # The server stopping, or other writers holding the same aggregates: send again.
        return JSONResponse({"error": one_line(str(error))}, status_code=503)

    app.add_exception_handler(Closed, not_now)
    app.add_exception_handler(Congested, not_now)

    @app.exception_handler(Exception)
    def unexpected(_: Request, error: Exception) -> JSONResponse:
        # No traceback, SQL or value reaches the caller: only what kind of failure.
        return JSONResponse(
            {"error": f"internal error ({type(error).__name__}); the request can be sent again"},
            status_code=500,
        )

    @app.get("/v1/health")
    def health() -> JSONResponse:
        try:
            volym.recorder.max_notification_id()
        except Exception:
            return JSONResponse({"error": "the store does not answer"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.post("/v1/events", openapi_extra=EVENTS_BODY)
    async def post_events(
        request: Request, token: Annotated[Token, Depends(allowed(POST_EVENTS))]
    ) -> JSONResponse:
        body = await request.body()
        # Reading the lines, checking their sources and storing them, off the event loop:
        # 500 lines' JSON held up every other request meanwhile.
        answer, status = await run_in_threadpool(
            _accept, body, request.headers.get("content-type", ""), token
        )
        return JSONResponse(answer, status_code=status)

    def _accept(body: bytes, content_type: str, token: Token) -> tuple[dict[str, Any], int]:
        if len(body) > MAX_BYTES:
            raise Refused(413, f"the body is larger than {MAX_BYTES // (1024 * 1024)} MiB")
        lines, objects = _lines(body, content_type)
        if len(lines) > MAX_EVENTS:
            raise Refused(413, f"{len(lines)} events in one request; at most {MAX_EVENTS}")
        for index, event in enumerate(objects):
            source = event.get("source")
            if isinstance(source, str) and source not in token.sources:
                raise Refused(
                    403,
                    f"event {index} is for source {source}, which token {token.name} may "
                    "not post for; nothing was stored",
                )
        summary = _ingest(lines)
        answer = {
            "lines": summary.lines_read,
            "accepted": summary.accepted,
            "duplicates": summary.duplicates,
            "rejected": summary.rejected,
            "rejects": [
                {
                    "index": r.line_no - 1,
                    "event_id": objects[r.line_no - 1].get("event_id"),
                    "reasons": r.reasons,
                }
                for r in summary.rejections
            ],
        }
        return answer, 422 if summary.rejected else 200

    @app.get("/v1/reports/{kind}")
    async def report(
        kind: str,
        request: Request,
        _: Annotated[Token, Depends(allowed(READ_AGGREGATES))],
        period: Annotated[list[str], Query()],
        by: Annotated[list[str] | None, Query()] = None,
        where: Annotated[list[str] | None, Query()] = None,
        as_of: str | None = None,
        format: str = "json",
        age_bands: str | None = None,
    ) -> Response:
        moment = _moment(as_of) if as_of else None
        asked = ReportParams(
            kind, tuple(period), tuple(by or ()), tuple(where or ()), moment, format, age_bands
        )
        done = await reports.render(asked)
        return Response(done.body, media_type=done.media_type, headers=done.headers)

    @app.get("/v1/explain/{kind}")
    def explain(
        kind: str,
        request: Request,
        _: Annotated[Token, Depends(allowed(READ_CASES))],
        period: Annotated[list[str], Query()],
        as_of: str,
        by: Annotated[list[str] | None, Query()] = None,
        where: Annotated[list[str] | None, Query()] = None,
    ) -> Response:
        asked = application.report_request(kind, period, by or [], where or [], _moment(as_of))
        result = application.explain(volym, asked)
        request.state.subjects += explained_subjects(result)
        return Response(to_json(result), media_type="application/json")

    @app.get("/v1/history/{aggregate}/{source}/{ident}")
    def history(
        aggregate: str,
        source: str,
        ident: str,
        request: Request,
        _: Annotated[Token, Depends(allowed(READ_CASES))],
    ) -> Response:
        found = application.history(volym, aggregate, source, ident)
        request.state.subjects.append(f"{source}/{ident}")
        document = {"kind": aggregate, "source": source, "id": ident, "events": found.events}
        return Response(to_json(document), media_type="application/json")

    @app.get("/v1/status")
    def status(_: Annotated[Token, Depends(allowed(READ_AGGREGATES))]) -> Response:
        rows = application.status(volym)
        document = {"projections": [dict(vars(r), lag=r.lag) for r in rows]}
        return Response(to_json(document), media_type="application/json")

    @app.get("/v1/access-log")
    def access_log(
        _: Annotated[Token, Depends(allowed(READ_CASES))],
        since: str | None = None,
        until: str | None = None,
        token: str | None = None,
        subject: str | None = None,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        entries = access.access_log(
            volym,
            since=_moment(since) if since else None,
            until=_moment(until) if until else None,
            actor=token,
            subject=subject,
            limit=per_page,
            offset=(page - 1) * per_page,
        )
        document = {"page": page, "entries": [vars(e) for e in entries]}
        return Response(to_json(document), media_type="application/json")

    @app.post("/v1/rebuild")
    def rebuild(_: Annotated[Token, Depends(allowed(MAINTAIN))]) -> JSONResponse:
        receipt = application.rebuild(volym)
        return JSONResponse(
            {"generations": receipt.generations, "events": receipt.events,
             "seconds": round(receipt.seconds, 3)}
        )  # fmt: skip

    @app.post("/v1/verify")
    def verify(_: Annotated[Token, Depends(allowed(MAINTAIN))]) -> JSONResponse:
        differences = application.verify(volym)
        return JSONResponse({"verified": not differences, "differences": differences})

    return app


def _query(request: Request) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        found.setdefault(key, []).append(value)
    return found


def _action(request: Request) -> str:
    """events.post, report.placements, history.placement, access-log.read, ... at most as
    long as the access log keeps (the path itself is among the parameters)."""
    return _action_of(request.url.path)[:ACTION_LENGTH]


def _action_of(path: str) -> str:
    parts = path.removeprefix("/v1/").split("/")
    head = parts[0] or "root"
    if head == "events":
        return "events.post"
    if head in ("reports", "explain", "history") and len(parts) > 1:
        return f"{'report' if head == 'reports' else head}.{parts[1]}"
    if head == "access-log":
        return "access-log.read"
    return head


def _lines(body: bytes, content_type: str) -> tuple[list[str], list[dict[str, object]]]:
    """A JSON array of feed objects, or JSON Lines: each as one feed line, and as the
    object it reads as (empty when it is no JSON object: the feed's check says why)."""
    if "ndjson" in content_type or "jsonl" in content_type:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "the body is not UTF-8") from None
        lines = [line for line in text.splitlines() if line.strip()]
        return lines, [_object(line) for line in lines]
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Refused(400, "the body is not a JSON array of events, nor JSON Lines") from None
    if not isinstance(parsed, list):
        raise Refused(400, "the body is not a JSON array of events")
    objects = [item if isinstance(item, dict) else {} for item in parsed]
    return [orjson.dumps(item).decode() for item in parsed], objects


def _object(line: str) -> dict[str, object]:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _moment(text: str) -> datetime:
    """As the command line takes one; the use case decides what a moment without an
    offset means (local time for a report, UTC for the access log)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{text}: not a date or date-time (YYYY-MM-DDTHH:MM)") from None
