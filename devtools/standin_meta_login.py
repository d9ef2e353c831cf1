"""The Facebook Login part of the Graph stand-in (devtools/standin.py dispatches to it): the
consent dialog, the code and long-lived token exchanges, the Pages a person manages and the
batch endpoint, answered the way Graph answers them (facts: docs/providers.md, "Connecting
Facebook Pages").

    GET  /dialog/oauth?client_id&redirect_uri&state&scope   a consent page; its button
         goes to redirect_uri?code=…&state=… (the "Cancel" link to ?error=access_denied…)
    GET  /oauth/access_token?client_id&client_secret&redirect_uri&code
         a short-lived user token (a code works once)
    GET  /oauth/access_token?grant_type=fb_exchange_token&fb_exchange_token=…
         a long-lived user token (expires_in about 60 days)
    GET  /me/accounts?fields=…&limit=N[&after=C]   the Pages the person manages, N a page
         (at most 100), with `paging.cursors.after` and `paging.next` while more remain; each
         Page's own token and, for every third Page, its `instagram_business_account`
    POST /  batch=[{method, relative_url, body}, …] (at most 50 operations; each may carry
         its own access_token), answered as a list of {code, body}
    POST /_login {"pages": N, "name": "…"}   how many Pages the stand-in person manages next
         (default DEFAULT_PAGES)
"""

from __future__ import annotations

import html
import json
import secrets
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

DEFAULT_PAGES = 240
MAX_LIMIT = 100
MAX_BATCH = 50
LONG_LIVED_SECONDS = 60 * 24 * 3600
SHORT_LIVED_SECONDS = 2 * 3600
PAGE_ID_BASE = 109900000000000
IG_ID_BASE = 17841490000000000
SHOP_WORDS = ("Thời trang", "Mỹ phẩm", "Giày dép", "Đồ gia dụng", "Phụ kiện", "Mẹ và bé",
              "Đồng hồ", "Túi xách", "Nước hoa", "Trà sữa")  # fmt: skip
PLACES = ("Hà Nội", "Sài Gòn", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng", "Nha Trang", "Vinh")


class LoginState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: set[str] = set()
        self.user_tokens: dict[str, str] = {}  # token -> "short" | "long"
        self.pages = DEFAULT_PAGES
        self.calls: list[str] = []  # one entry per Facebook Login / Graph call answered


def state_of(handler) -> LoginState:
    root = handler.state
    with root.lock:
        if "login" not in root.__dict__:
            root.login = LoginState()
        return root.login


def page_id(index: int) -> str:
    return str(PAGE_ID_BASE + index)


def page_token(page: str) -> str:
    return f"EAAP{page}"


def page_entry(index: int) -> dict:
    """The stand-in person's Page number `index` (0-based), as /me/accounts lists it."""
    page = page_id(index)
    entry = {
        "id": page,
        "name": f"{SHOP_WORDS[index % len(SHOP_WORDS)]} {PLACES[index % len(PLACES)]} "
        f"#{index + 1:03d}",
        "category": "Shopping & retail",
        "access_token": page_token(page),
        "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
    }
    if index % 3 == 0:
        entry["instagram_business_account"] = {
            "id": str(IG_ID_BASE + index), "username": f"shop_{index + 1:03d}",
        }  # fmt: skip
    return entry


def _oauth_error(message: str, code: int = 100) -> tuple[int, dict]:
    return 400, {"error": {"message": message, "type": "OAuthException", "code": code,
                           "fbtrace_id": secrets.token_urlsafe(9)}}  # fmt: skip


def consent_page(handler, query: dict) -> None:
    """The consent dialog: the person sees the app's request and continues or cancels."""
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")) or not query.get("client_id"):
        body = b"<p>Invalid redirect_uri or client_id</p>"
        handler.send_response(400)
    else:
        login = state_of(handler)
        code = "fbcode-" + secrets.token_urlsafe(16)
        with login.lock:
            login.codes.add(code)
        sep = "&" if "?" in redirect_uri else "?"
        ok = redirect_uri + sep + urlencode({"code": code, "state": query.get("state", "")})
        no = redirect_uri + sep + urlencode({
            "error": "access_denied", "error_reason": "user_denied",
            "error_description": "Permissions error", "state": query.get("state", ""),
        })  # fmt: skip
        scopes = html.escape(query.get("scope", ""))
        body = (
            "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Facebook</title>"
            "</head><body style='font-family:sans-serif;max-width:32rem;margin:4rem auto'>"
            "<h1>Facebook (stand-in)</h1><p>The app asks to manage your Pages' messages and "
            f"comments: <code>{scopes}</code></p>"
            f"<p><a id='continue' href='{html.escape(ok)}'>Continue as Ngọc Anh</a> · "
            f"<a id='cancel' href='{html.escape(no)}'>Cancel</a></p></body></html>"
        ).encode()
        handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def access_token(handler, query: dict):
    login = state_of(handler)
    with login.lock:
        login.calls.append("oauth/access_token")
    if query.get("grant_type") == "fb_exchange_token":
        with login.lock:
            known = login.user_tokens.get(query.get("fb_exchange_token", ""))
        if not known or not query.get("client_secret"):
            return handler._reply(*_oauth_error("Invalid OAuth access token.", 190))
        token = "EAAL" + secrets.token_urlsafe(24)
        with login.lock:
            login.user_tokens[token] = "long"
        return handler._reply(200, {"access_token": token, "token_type": "bearer",
                                    "expires_in": LONG_LIVED_SECONDS})  # fmt: skip
    code = query.get("code", "")
    with login.lock:
        valid = code in login.codes
        login.codes.discard(code)
    if not valid or not query.get("client_secret") or not query.get("redirect_uri"):
        return handler._reply(*_oauth_error("This authorization code has been used.", 100))
    token = "EAAS" + secrets.token_urlsafe(24)
    with login.lock:
        login.user_tokens[token] = "short"
    return handler._reply(200, {"access_token": token, "token_type": "bearer",
                                "expires_in": SHORT_LIVED_SECONDS})  # fmt: skip


def accounts(handler, query: dict, token: str):
    """GET /me/accounts: a user token lists its Pages, paged with cursors like Graph."""
    login = state_of(handler)
    with login.lock:
        login.calls.append("me/accounts")
        kind = login.user_tokens.get(token)
        total = login.pages
    if kind is None:
        return handler._reply(*_oauth_error("Invalid OAuth access token.", 190))
    try:
        limit = max(1, min(MAX_LIMIT, int(query.get("limit") or 25)))
    except ValueError:
        limit = 25
    start = _cursor_index(query.get("after", ""))
    fields = {f.split("{")[0] for f in query.get("fields", "id,name").split(",") if f}
    data = []
    for index in range(start, min(total, start + limit)):
        entry = page_entry(index)
        data.append({k: v for k, v in entry.items() if k in fields or k == "id"})
    answer: dict = {"data": data}
    if data:
        answer["paging"] = {
            "cursors": {"before": _cursor(start), "after": _cursor(start + len(data) - 1)}
        }
        if start + len(data) < total:
            nxt = dict(query, after=_cursor(start + len(data) - 1))
            host = handler.headers.get("Host", "127.0.0.1")
            answer["paging"]["next"] = f"http://{host}/v23.0/me/accounts?{urlencode(nxt)}"
    return handler._reply(200, answer)


def _cursor(index: int) -> str:
    return f"QVFI{index:08d}"


def _cursor_index(cursor: str) -> int:
    if not cursor.startswith("QVFI"):
        return 0
    try:
        return int(cursor[4:]) + 1
    except ValueError:
        return 0


def batch(handler, body: dict, token: str):
    """POST / with `batch`: each operation answered in order as {code, body} (a JSON string),
    one HTTP call for up to 50 of them; an operation's own access_token wins over the
    request's."""
    login = state_of(handler)
    with login.lock:
        login.calls.append("batch")
    try:
        operations = json.loads(body.get("batch") or "[]")
    except (TypeError, ValueError):
        operations = None
    if not isinstance(operations, list) or not operations:
        return handler._reply(*_oauth_error("(#100) The parameter batch is required"))
    if len(operations) > MAX_BATCH:
        return handler._reply(*_oauth_error("(#100) Too many requests in batch message. "
                                            "Maximum batch size is 50"))  # fmt: skip
    answers = []
    for operation in operations:
        answers.append(_operation(handler, operation if isinstance(operation, dict) else {}, token))
    return handler._reply(200, answers)


def _operation(handler, operation: dict, token: str) -> dict:
    method = str(operation.get("method") or "GET").upper()
    parts = urlsplit(str(operation.get("relative_url") or ""))
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    extra = {k: v[0] for k, v in parse_qs(str(operation.get("body") or "")).items()}
    query.update(extra)
    own = query.pop("access_token", "") or token
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0].startswith("v") and segments[0][1:2].isdigit():
        segments = segments[1:]

    def answer(code: int, data) -> dict:
        return {"code": code, "body": json.dumps(data)}

    if not own or own.startswith("bad"):
        return answer(*_oauth_error("Invalid OAuth access token.", 190))
    if len(segments) == 2 and segments[1] == "subscribed_apps" and method == "POST":
        page = segments[0]
        if own != page_token(page) and not own.startswith("token-"):
            return answer(*_oauth_error("(#210) A page access token is required", 210))
        from devtools.standin import DEFAULT_APP_ID, _django_setting

        app_id = str(_django_setting("META_APP_ID", "") or DEFAULT_APP_ID)
        fields = [f for f in query.get("subscribed_fields", "").split(",") if f]
        with handler.state.lock:
            handler.state.subscriptions.setdefault(page, {})[app_id] = fields
        return answer(200, {"success": True})
    return answer(*_oauth_error("Unsupported batch operation"))


def configure(handler, body: dict):
    login = state_of(handler)
    with login.lock:
        login.pages = max(0, int(body.get("pages", DEFAULT_PAGES)))
    return handler._reply(200, {"ok": True, "pages": login.pages})


def calls(handler):
    login = state_of(handler)
    with login.lock:
        return handler._reply(200, {"data": list(login.calls)})
