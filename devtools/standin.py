"""A local stand-in for Meta's Graph API, over real HTTP.

It records everything the product sends and answers like the real API, errors included, so the
demo's replies "send", and tests and benchmarks exercise the real client code. Point
META_GRAPH_URL at it (any version prefix such as /v23.0 is accepted).

Graph endpoints played: POST /{page}/messages, /{comment}/comments, /{comment} (is_hidden),
/{comment}/likes; GET /{psid-or-igsid}?fields=… (user profiles: the simulator's customers have
Vietnamese names and a picture); GET / POST / DELETE /{page}/subscribed_apps (every Page starts
subscribed to our app with META_PAGE_SUBSCRIBED_FIELDS; DELETE plays Meta unsubscribing it).

Facebook Login (the consent dialog, token exchanges, /me/accounts, the batch endpoint) is
played by devtools/standin_meta_login.py.

Control endpoints (not part of Graph):
    GET    /_sent                  what was sent, oldest first (?recipient=ID&path=PART filter)
    DELETE /_sent                  forget it all (sends, reads, subscriptions)
    GET    /_reads                 the Graph GETs answered (profiles, subscribed_apps)
    POST   /_fail {"mode": M, "times": N}   the next N Graph calls answer error M
           modes: window_closed, rate_limit, server_error, bad_token, user_unavailable,
                  deprecated_tag, no_profile, permission, none (clear)
    GET    /_media/<kind>/<name>   a CDN stand-in for attachments and profile pictures
                                   (kind `redirect`: 302 to the url-quoted <name>):
           image|avatar (PNG), video (MP4), audio, file (PDF), stream (PNG without a length),
           html (a web page), disguised (a web page labelled image/png), opaque (a web
           page labelled application/octet-stream), expired (403, like a stale signed
           link), flaky (503)
    GET    /_health

Zalo's OA API and OAuth v4 answer under /zalo/ (devtools/standin_zalo.py); their sends are
recorded in the same /_sent list.
"""

from __future__ import annotations

import json
import secrets
import struct
import threading
import time
import zlib
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from devtools import simulator, standin_meta_login, standin_shopee, standin_zalo

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
    "no_profile": (400, {
        "message": "No profile available for this user.", "type": "OAuthException",
        "code": 100, "error_subcode": 2018218,
    }),
    "permission": (403, {
        "message": "(#200) Permissions error", "type": "OAuthException", "code": 200,
    }),
}  # fmt: skip
DEFAULT_APP_ID = "100000000000001"
DEFAULT_PAGE_FIELDS = ("messages", "messaging_postbacks", "message_echoes", "message_reads",
                       "message_deliveries", "feed")  # fmt: skip
DEPRECATED_TAGS = {"CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"}
MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG", "UTILITY"}


def _django_setting(name: str, default):
    """The running project's setting when Django is configured (provider_standin, tests)."""
    try:
        from django.conf import settings

        return getattr(settings, name, default) if settings.configured else default
    except Exception:
        return default


class StandinState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[dict] = []
        self.reads: list[dict] = []
        self.failures: deque[str] = deque()
        # page id -> {app id: fields}; a Page not in here is subscribed to our app
        self.subscriptions: dict[str, dict[str, list[str]]] = {}

    def page_apps(self, page_id: str) -> dict[str, list[str]]:
        with self.lock:
            if page_id not in self.subscriptions:
                app_id = str(_django_setting("META_APP_ID", "") or DEFAULT_APP_ID)
                fields = list(_django_setting("META_PAGE_SUBSCRIBED_FIELDS", DEFAULT_PAGE_FIELDS))
                self.subscriptions[page_id] = {app_id: fields}
            return self.subscriptions[page_id]

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


def png(seed: str, size: int = 32) -> bytes:
    """A small solid-colour PNG (the colour follows `seed`), built with zlib alone."""
    crc = zlib.crc32(seed.encode())
    rgb = bytes((64 + crc % 160, 64 + (crc >> 8) % 160, 64 + (crc >> 16) % 160))
    raw = b"".join(b"\x00" + rgb * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))  # fmt: skip


# kind -> (status, content type, body(name))
MEDIA = {
    "image": (200, "image/png", lambda name: png(name)),
    "avatar": (200, "image/png", lambda name: png(name, 64)),
    "video": (200, "video/mp4", lambda name: b"\x00\x00\x00\x18ftypmp42" + name.encode() * 64),
    "audio": (200, "audio/mpeg", lambda name: b"ID3" + name.encode() * 64),
    "file": (200, "application/pdf", lambda name: b"%PDF-1.4\n" + name.encode() * 64),
    "html": (200, "text/html; charset=utf-8", lambda name: b"<html><body>Page</body></html>"),
    "disguised": (200, "image/png", lambda name: b"<html><script>alert(1)</script></html>"),
    "opaque": (200, "application/octet-stream", lambda name: b"<svg onload=alert(1)></svg>"),
    "expired": (403, "text/html", lambda name: b"URL signature expired"),
    "flaky": (503, "text/plain", lambda name: b"Service Unavailable"),
}  # fmt: skip


def profile_for(user_id: str, *, media_base: str) -> dict:
    """Every field Meta may return for a PSID / IGSID; the caller keeps the requested ones."""
    name = simulator.customer_name(user_id)
    family, _, given = name.partition(" ")
    return {
        "id": user_id, "name": name, "first_name": given or family, "last_name": family,
        "username": simulator.customer_username(user_id),
        "profile_pic": f"{media_base}/avatar/{user_id}.png",
    }  # fmt: skip


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
        if segments in (["_sent"], ["_reads"]):
            with self.state.lock:
                data = list(self.state.sent if segments == ["_sent"] else self.state.reads)
            if query.get("recipient"):
                data = [e for e in data if e.get("recipient") == query["recipient"]]
            if query.get("path"):
                data = [e for e in data if query["path"] in e["path"]]
            return self._reply(200, {"data": data})
        if len(segments) == 3 and segments[0] == "_media":
            return self._media(segments[1], segments[2])
        if segments == ["dialog", "oauth"]:  # Facebook Login (devtools/standin_meta_login.py)
            return standin_meta_login.consent_page(self, query)
        if segments == ["oauth", "access_token"]:
            return standin_meta_login.access_token(self, query)
        if segments == ["_login"]:
            return standin_meta_login.calls(self)
        return self._graph("GET", segments, query, {})

    def do_DELETE(self):
        segments, query = self._path()
        if segments == ["_sent"]:
            with self.state.lock:
                self.state.sent.clear()
                self.state.reads.clear()
                self.state.subscriptions.clear()
                self.state.__dict__.pop("zalo", None)  # Zalo's tokens, codes and counts
                self.state.__dict__.pop("login", None)  # Facebook Login's codes and tokens
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
        if segments == ["_login"]:
            return standin_meta_login.configure(self, body)
        return self._graph("POST", segments, query, body)

    # --- the Graph API ----------------------------------------------------------------------
    def _graph(self, method: str, segments: list[str], query: dict, body: dict):
        if segments[:2] == standin_shopee.PREFIX:  # Shopee Open Platform v2 (its own file)
            return standin_shopee.answer(self, method, segments, query, body)
        if segments[:1] == ["zalo"]:  # Zalo's OA API and OAuth (devtools/standin_zalo.py)
            return standin_zalo.handle(self, method, segments[1:], query, body)
        token = self._token(query)
        if not token or token.startswith("bad"):
            return self._reply(*_error_body("bad_token"))
        failure = self.state.next_failure()
        if failure:
            return self._reply(*_error_body(failure))
        if segments == ["me", "accounts"] and method == "GET":
            return standin_meta_login.accounts(self, query, token)
        if not segments and method == "POST" and "batch" in body:
            return standin_meta_login.batch(self, body, token)
        if len(segments) == 2 and segments[1] == "subscribed_apps":
            return self._subscribed_apps(method, segments, query, body, token)
        if method == "GET" and len(segments) == 1:
            return self._profile(segments[0], query)
        if method == "GET":
            return self._reply(404, {"error": {"message": "Unknown path", "code": 803}})
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

    def _profile(self, user_id: str, query: dict):
        fields = [f for f in query.get("fields", "name").split(",") if f]
        host = self.headers.get("Host", "127.0.0.1")
        full = profile_for(user_id, media_base=f"http://{host}/_media")
        self._read("profile", user_id, query)
        return self._reply(200, {"id": user_id, **{f: full[f] for f in fields if f in full}})

    def _subscribed_apps(self, method, segments, query, body, token):
        page_id = segments[0]
        apps = self.state.page_apps(page_id)
        app_id = str(_django_setting("META_APP_ID", "") or DEFAULT_APP_ID)
        if method == "GET":
            self._read("subscribed_apps", page_id, query)
            with self.state.lock:
                data = [{"category": "Business", "link": "https://inbox.example.vn/",
                         "name": "Inbox", "id": app, "subscribed_fields": list(fields)}
                        for app, fields in apps.items()]  # fmt: skip
            return self._reply(200, {"data": data})
        if method == "DELETE":  # what Meta does after an hour of failed webhooks
            with self.state.lock:
                apps.pop(app_id, None)
            self._record(method, segments, body, token, kind="unsubscribe")
            return self._reply(200, {"success": True})
        fields = str(query.get("subscribed_fields") or body.get("subscribed_fields") or "")
        if not fields:
            return self._reply(400, {"error": {
                "message": "(#100) The parameter subscribed_fields is required", "code": 100,
            }})  # fmt: skip
        with self.state.lock:
            apps[app_id] = [f for f in fields.split(",") if f]
        self._record(method, segments, {"subscribed_fields": fields}, token, kind="subscribe")
        return self._reply(200, {"success": True})

    def _media(self, kind: str, name: str):
        if kind == "stream":  # no Content-Length: the body ends when the connection closes
            size = int(name.split(".")[0]) if name.split(".")[0].isdigit() else 1024
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for offset in range(0, size, 4096):
                self.wfile.write(b"\x00" * min(4096, size - offset))
            return None
        if kind == "redirect":  # like Meta's lookaside links: 302 to the (url-quoted) target
            self.send_response(302)
            self.send_header("Location", unquote(name))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if kind not in MEDIA:
            return self._reply(404, {"error": {"message": "Unknown media", "code": 803}})
        status, content_type, build = MEDIA[kind]
        body = build(name)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None

    def _read(self, kind: str, target: str, query: dict) -> None:
        with self.state.lock:
            self.state.reads.append({"at": time.time(), "kind": kind, "target": target,
                                     "query": dict(query)})  # fmt: skip

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


def media_base(graph_url: str) -> str:
    """The stand-in's CDN (`…/_media`) when `graph_url` points at a stand-in, else ""."""
    parts = urlsplit(graph_url)
    if not parts.scheme or (parts.hostname or "").endswith("facebook.com"):
        return ""
    return f"{parts.scheme}://{parts.netloc}/_media"
