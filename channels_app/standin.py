"""A local stand-in for Meta's Graph API send endpoints (DV1), over real HTTP.

It records everything the product sends and answers like the real API, errors included, so the
demo's replies "send", and tests and benchmarks exercise the real client code. Point
META_GRAPH_URL at it (any version prefix such as /v23.0 is accepted).

Control endpoints (not part of Graph):
    GET    /_sent                  what was sent, oldest first (?recipient=ID&path=PART filter)
    DELETE /_sent                  forget it all
    POST   /_fail {"mode": M, "times": N}   the next N Graph calls answer error M
           modes: window_closed, rate_limit, server_error, bad_token, user_unavailable,
                  deprecated_tag, none (clear)
    GET    /_health
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ERRORS = {
    "window_closed": (400, {
        "message": "(#10) This message is sent outside of allowed window.",
        "type": "OAuthException", "code": 10, "error_subcode": 2018278,
    }),
    "rate_limit": (400, {
        "message": "(#613) Calls to this api have exceeded the rate limit.",
        "type": "OAuthException", "code": 613,
    }),
    "server_error": (500, {
        "message": "An unexpected error has occurred. Please retry your request later.",
        "type": "OAuthException", "is_transient": True, "code": 2,
    }),
    "bad_token": (400, {
        "message": "Error validating access token: The session has been invalidated because "
                   "the user changed their password or Facebook has changed the session for "
                   "security reasons.",
        "type": "OAuthException", "code": 190, "error_subcode": 460,
    }),
    "user_unavailable": (400, {
        "message": "(#551) This person isn't available right now.",
        "type": "OAuthException", "code": 551, "error_subcode": 1545041,
    }),
    "deprecated_tag": (400, {
        "message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100,
    }),
}  # fmt: skip
DEPRECATED_TAGS = {"CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"}
MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG", "UTILITY"}


class StandinState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[dict] = []
        self.failures: deque[str] = deque()

    def record(self, entry: dict) -> None:
        with self.lock:
            entry["seq"] = len(self.sent) + 1
            self.sent.append(entry)

    def next_failure(self) -> str | None:
        with self.lock:
            return self.failures.popleft() if self.failures else None

    def fail(self, mode: str, times: int) -> None:
        with self.lock:
            self.failures.clear()
            if mode != "none":
                self.failures.extend([mode] * max(1, times))


def _error_body(mode: str) -> tuple[int, dict]:
    status, error = ERRORS[mode]
    return status, {"error": {**error, "fbtrace_id": secrets.token_urlsafe(9)}}


class Handler(BaseHTTPRequestHandler):
    server_version = "GraphStandin/1.0"
    state: StandinState  # set by make_server

    def log_message(self, format, *args):  # quiet: the product logs what matters
        pass

    # --- plumbing -------------------------------------------------------------------------
    def _reply(self, status: int, data) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            data = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        return data if isinstance(data, dict) else {}

    def _path(self) -> tuple[list[str], dict]:
        parts = urlsplit(self.path)
        segments = [s for s in parts.path.split("/") if s]
        if segments and segments[0].startswith("v") and segments[0][1:2].isdigit():
            segments = segments[1:]  # /v23.0/...
        return segments, {k: v[0] for k, v in parse_qs(parts.query).items()}

    def _token(self, query: dict) -> str:
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else query.get("access_token", "")

    # --- verbs ----------------------------------------------------------------------------
    def do_GET(self):
        segments, query = self._path()
        if segments == ["_health"]:
            return self._reply(200, {"ok": True})
        if segments == ["_sent"]:
            with self.state.lock:
                data = list(self.state.sent)
            if query.get("recipient"):
                data = [e for e in data if e.get("recipient") == query["recipient"]]
            if query.get("path"):
                data = [e for e in data if query["path"] in e["path"]]
            return self._reply(200, {"data": data})
        if len(segments) == 1:  # a user profile lookup
            return self._reply(200, {"id": segments[0], "name": f"Khách {segments[0][-4:]}"})
        return self._reply(404, {"error": {"message": "Unknown path", "code": 803}})

    def do_DELETE(self):
        segments, query = self._path()
        if segments == ["_sent"]:
            with self.state.lock:
                self.state.sent.clear()
            return self._reply(200, {"ok": True})
        return self._graph("DELETE", segments, query, {})

    def do_POST(self):
        segments, query = self._path()
        body = self._body()
        if segments == ["_fail"]:
            mode = str(body.get("mode", "none"))
            if mode != "none" and mode not in ERRORS:
                return self._reply(400, {"error": f"unknown mode {mode}"})
            self.state.fail(mode, int(body.get("times", 1)))
            return self._reply(200, {"ok": True})
        return self._graph("POST", segments, query, body)

    # --- the Graph API ----------------------------------------------------------------------
    def _graph(self, method: str, segments: list[str], query: dict, body: dict):
        token = self._token(query)
        if not token or token.startswith("bad"):
            return self._reply(*_error_body("bad_token"))
        failure = self.state.next_failure()
        if failure:
            return self._reply(*_error_body(failure))
        if method == "POST" and len(segments) == 2 and segments[1] == "messages":
            return self._send_message(segments[0], body, token)
        if len(segments) == 2 and segments[1] == "comments" and method == "POST":
            new_id = f"{segments[0].split('_')[0]}_{secrets.randbelow(10**15)}"
            self._record(method, segments, body, token, kind="comment_reply", result_id=new_id)
            return self._reply(200, {"id": new_id})
        if len(segments) == 2 and segments[1] == "likes":
            self._record(
                method, segments, body, token, kind="like" if method == "POST" else "unlike"
            )
            return self._reply(200, {"success": True})
        if len(segments) == 1 and method == "POST" and "is_hidden" in body:
            hidden = body["is_hidden"] in (True, "true", "True", "1")
            self._record(method, segments, body, token, kind="hide" if hidden else "unhide")
            return self._reply(200, {"success": True})
        return self._reply(400, {"error": {"message": "Unsupported request", "code": 100}})

    def _send_message(self, sender: str, body: dict, token: str):
        recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        if not (recipient.get("id") or recipient.get("comment_id")) or not message:
            return self._reply(400, {"error": {"message": "(#100) Invalid parameter", "code": 100}})
        if body.get("messaging_type") not in MESSAGING_TYPES:
            return self._reply(400, {"error": {"message": "(#100) messaging_type is required",
                                               "code": 100}})  # fmt: skip
        tag = body.get("tag")
        if tag in DEPRECATED_TAGS or (body.get("messaging_type") == "MESSAGE_TAG" and not tag):
            return self._reply(*_error_body("deprecated_tag"))
        if len(str(message.get("text", ""))) > 2000:
            return self._reply(400, {"error": {"message": "(#100) Message text too long",
                                               "code": 100}})  # fmt: skip
        mid = "m_" + secrets.token_urlsafe(24)
        psid = recipient.get("id") or f"psid-of-{recipient.get('comment_id')}"
        self._record("POST", [sender, "messages"], body, token, kind="message", result_id=mid,
                     recipient=psid)  # fmt: skip
        return self._reply(200, {"recipient_id": psid, "message_id": mid})

    def _record(self, method, segments, body, token, *, kind, result_id="", recipient=""):
        self.state.record({
            "at": time.time(), "method": method, "path": "/" + "/".join(segments), "kind": kind,
            "body": body, "token_suffix": token[-4:], "result_id": result_id,
            "recipient": recipient,
        })  # fmt: skip


def make_server(host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    state = StandinState()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.state = state
    return server


def start_in_thread(host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """For tests: serve on a free port in a daemon thread; `server.shutdown()` stops it."""
    server = make_server(host, port)
    threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="graph-standin",
        daemon=True,
    ).start()
    return server


def base_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/v23.0"
