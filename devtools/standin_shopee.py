"""The Shopee Open Platform stand-in, served by the provider stand-in (devtools/standin.py)
under /api/v2/: point SHOPEE_API_URL at the stand-in's origin (no /v23.0).

Every call is checked like Shopee checks it: partner_id, a timestamp within 5 minutes and the
HMAC-SHA256 `sign` (public base string, or with access_token + shop_id for shop APIs), with
SHOPEE_PARTNER_ID / SHOPEE_PARTNER_KEY. Answers: `{"error": "", "message": "", "request_id",
"response": {...}}`, errors `{"error": "<name>", "message": "..."}`.

Played: shop/auth_partner (302 to the redirect with a code and shop_id), auth/token/get (a
code works once, for 10 minutes), auth/access_token/get (a refresh token works once; the
access token lasts 4 h), shop/get_shop_info, sellerchat/send_message (recorded in GET /_sent,
path /api/v2/sellerchat/send_message), sellerchat/upload_image, sellerchat/get_message (the
messages the simulator registered, and ours), push/get_lost_push_message and
push/confirm_consumed_lost_push_message.

Control endpoints (not Shopee's):
    POST /api/v2/_fail {"mode": M, "times": N}   the next N Shopee calls answer error M:
         expired_token, used_refresh_token, quota, server_error, partner_key_expired,
         permission, none (clear)
    POST /api/v2/_messages {"shop_id", "message"}   a buyer's message get_message will list
    POST /api/v2/_lost {"push": {...}}              a push Shopee "could not deliver"
    POST /api/v2/_expire {"access_token": T}        that token now answers as expired
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from urllib.parse import urlencode, urlsplit, urlunsplit

PREFIX = ["api", "v2"]
DEFAULT_PARTNER_ID = "2000001"
DEFAULT_PARTNER_KEY = "dev-shopee-partner-key"
ACCESS_SECONDS = 4 * 3600
CODE_SECONDS = 600
CLOCK_SKEW = 300
ERRORS = {
    "expired_token": (403, "invalid_acceess_token", "Invalid access_token."),
    "used_refresh_token": (403, "error_shop_refresh_token", "Your refresh_token expired."),
    "quota": (429, "error_too_many_request", "The api has exceeded the call limit."),
    "server_error": (500, "error_server", "Something wrong. Please try later."),
    "partner_key_expired": (403, "error_partner_key_expired",
                            "Your API partner key has expired, please reset the Live API "
                            "Partner Key in Console."),
    "permission": (403, "error_permission", "No permission to call sellerchat api."),
}  # fmt: skip
MESSAGE_TYPES = {"text": ("text",), "sticker": ("sticker_id",), "image": ("image_url",),
                 "item": ("item_id",), "order": ("order_sn",)}  # fmt: skip


def _setting(name: str, default: str) -> str:
    try:
        from django.conf import settings

        return str(getattr(settings, name, "") or default) if settings.configured else default
    except Exception:
        return default


class ShopeeState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: dict[str, tuple[str, float]] = {}  # code -> (shop id, issued at)
        self.access: dict[str, tuple[str, float]] = {}  # token -> (shop id, expires at)
        self.expired: set[str] = set()
        self.refresh: dict[str, str] = {}  # live refresh token -> shop id
        self.spent: set[str] = set()
        self.messages: dict[str, list[dict]] = {}  # conversation id -> messages
        self.lost: list[tuple[int, dict]] = []
        self.lost_seq = 0
        self.failures: list[str] = []
        self.refreshes: list[dict] = []  # every refresh answered, for the tests


def state_of(handler) -> ShopeeState:
    shared = handler.state
    with shared.lock:
        if not hasattr(shared, "shopee"):
            shared.shopee = ShopeeState()
        return shared.shopee


def answer(handler, method: str, segments: list[str], query: dict, body: dict):
    """One request under /api/v2/ (the stand-in's mount point)."""
    state = state_of(handler)
    path = "/" + "/".join(segments)
    name = segments[2:] if len(segments) > 2 else []
    if name and name[0].startswith("_"):
        return _control(handler, state, name[0], body)
    problem = _check_sign(path, query)
    if problem:
        return _error(handler, 403, "error_sign", problem)
    with state.lock:
        failure = state.failures.pop(0) if state.failures else None
    if failure:
        return _error(handler, *ERRORS[failure])
    route = "/".join(name)
    if route == "shop/auth_partner":
        return _auth_partner(handler, state, query)
    if route == "auth/token/get":
        return _token_get(handler, state, body)
    if route == "auth/access_token/get":
        return _refresh(handler, state, body)
    if route == "push/get_lost_push_message":
        return _lost(handler, state)
    if route == "push/confirm_consumed_lost_push_message":
        return _confirm_lost(handler, state, body)
    shop_id, token = str(query.get("shop_id", "")), str(query.get("access_token", ""))
    problem = _check_token(state, shop_id, token)
    if problem:
        return _error(handler, 403, "invalid_acceess_token", problem)
    if route == "shop/get_shop_info":
        return handler._reply(200, {"error": "", "message": "", "shop_name": f"Shop {shop_id}",
                                    "region": "VN", "status": "NORMAL",
                                    "request_id": _request_id()})  # fmt: skip
    if route == "sellerchat/send_message" and method == "POST":
        return _send(handler, state, shop_id, token, body, path)
    if route == "sellerchat/upload_image" and method == "POST":
        origin = f"http://{handler.headers.get('Host', '127.0.0.1')}"
        url = f"{origin}/_media/image/shopee-upload-{secrets.token_hex(6)}.png"
        return _ok(handler, {"url": url, "thumbnail": url, "url_hash": secrets.token_hex(16)})
    if route == "sellerchat/get_message":
        with state.lock:
            messages = list(state.messages.get(str(query.get("conversation_id", "")), []))
        page = max(1, min(100, int(query.get("page_size") or 20)))
        return _ok(handler, {"messages": list(reversed(messages))[:page],
                             "page_result": {"page_size": page, "next_offset": ""}})  # fmt: skip
    return _error(handler, 404, "error_not_found", f"unknown api {path}")


# --- checks -------------------------------------------------------------------------------


def _check_sign(path: str, query: dict) -> str:
    partner = _setting("SHOPEE_PARTNER_ID", DEFAULT_PARTNER_ID)
    key = _setting("SHOPEE_PARTNER_KEY", DEFAULT_PARTNER_KEY)
    if str(query.get("partner_id", "")) != partner:
        return "partner_id is wrong"
    try:
        timestamp = int(query.get("timestamp", ""))
    except ValueError:
        return "timestamp is missing"
    if abs(time.time() - timestamp) > CLOCK_SKEW:
        return "timestamp expired: it must be within 5 minutes"
    base = f"{partner}{path}{timestamp}{query.get('access_token', '')}{query.get('shop_id', '')}"
    expected = hmac.new(key.encode(), base.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(query.get("sign", ""))):
        return "Wrong sign."
    return ""


def _check_token(state: ShopeeState, shop_id: str, token: str) -> str:
    if not shop_id or not token:
        return "access_token and shop_id are required"
    with state.lock:
        if token in state.expired:
            return "Invalid access_token."
        known = state.access.get(token)
    if known is None:
        return ""  # seeded credentials (the demo's): accepted until told otherwise
    if known[0] != shop_id:
        return "the access_token belongs to another shop"
    return "Invalid access_token." if known[1] < time.time() else ""


# --- authorisation ------------------------------------------------------------------------


def _auth_partner(handler, state: ShopeeState, query: dict):
    redirect = str(query.get("redirect", ""))
    if not redirect.startswith(("http://", "https://")):
        return _error(handler, 400, "error_param", "redirect is required")
    shop_id = str(query.get("_shop_id") or 380000000 + secrets.randbelow(10**6))
    code = secrets.token_hex(16)
    with state.lock:
        state.codes[code] = (shop_id, time.time())
    parts = urlsplit(redirect)
    extra = urlencode({"code": code, "shop_id": shop_id})
    location = urlunsplit(parts._replace(query="&".join(q for q in (parts.query, extra) if q)))
    handler.send_response(302)
    handler.send_header("Location", location)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _issue(state: ShopeeState, shop_id: str) -> dict:
    access, refresh = secrets.token_hex(16), secrets.token_hex(16)
    state.access[access] = (shop_id, time.time() + ACCESS_SECONDS)
    state.refresh[refresh] = shop_id
    return {"access_token": access, "refresh_token": refresh, "expire_in": ACCESS_SECONDS}


def _token_get(handler, state: ShopeeState, body: dict):
    code, shop_id = str(body.get("code", "")), str(body.get("shop_id", ""))
    with state.lock:
        issued = state.codes.pop(code, None)
        if issued is None or issued[0] != shop_id or time.time() - issued[1] > CODE_SECONDS:
            return _error(handler, 403, "error_auth", "Invalid code: it expired or was used.")
        tokens = _issue(state, shop_id)
    return handler._reply(200, {"error": "", "message": "", "request_id": _request_id(),
                                "shop_id_list": [int(shop_id)], **tokens})  # fmt: skip


def _refresh(handler, state: ShopeeState, body: dict):
    token, shop_id = str(body.get("refresh_token", "")), str(body.get("shop_id", ""))
    with state.lock:
        owner = state.refresh.pop(token, None)
        if owner is None and (token in state.spent or not token):
            return _error(handler, 403, "error_shop_refresh_token", "Your refresh_token expired.")
        if owner is not None and owner != shop_id:
            return _error(handler, 403, "error_param", "refresh_token does not match shop_id")
        state.spent.add(token)  # single use (a seeded one too, the first time it is seen)
        tokens = _issue(state, shop_id)
        state.refreshes.append({"at": time.time(), "used": token, **tokens})
    return handler._reply(200, {"error": "", "message": "", "request_id": _request_id(),
                                "shop_id": int(shop_id), "partner_id": int(body.get(
                                    "partner_id") or 0), **tokens})  # fmt: skip


# --- chat ---------------------------------------------------------------------------------


def _send(handler, state: ShopeeState, shop_id: str, token: str, body: dict, path: str):
    message_type = body.get("message_type")
    content = body.get("content") if isinstance(body.get("content"), dict) else {}
    try:
        to_id = int(body.get("to_id"))
    except (TypeError, ValueError):
        return _error(handler, 400, "error_param", "to_id must be a buyer's user id")
    if message_type not in MESSAGE_TYPES:
        return _error(handler, 400, "error_param", f"unsupported message_type {message_type!r}")
    if any(not content.get(key) for key in MESSAGE_TYPES[message_type]):
        return _error(handler, 400, "error_param", "content is incomplete")
    message = {
        "message_id": str(10**18 + secrets.randbelow(9 * 10**18)),
        "conversation_id": str(body.get("conversation_id") or f"{shop_id}{to_id}"),
        "from_id": int(shop_id), "from_shop_id": int(shop_id), "to_id": to_id,
        "message_type": message_type, "content": content, "created_timestamp": int(time.time()),
    }  # fmt: skip
    with state.lock:
        state.messages.setdefault(message["conversation_id"], []).append(message)
    handler._record("POST", path.strip("/").split("/"), body, token, kind="shopee_message",
                    result_id=message["message_id"], recipient=str(to_id))  # fmt: skip
    return _ok(handler, message)


def _lost(handler, state: ShopeeState):
    with state.lock:
        items = state.lost[:100]
        more = len(state.lost) > 100
    listed = [{"shop_id": push.get("shop_id"), "code": push.get("code"),
               "timestamp": push.get("timestamp"),
               "data": json.dumps(push, ensure_ascii=False, separators=(",", ":"))}
              for _seq, push in items]  # fmt: skip
    last = items[-1][0] if items else 0
    return _ok(handler, {"push_message_list": listed, "has_next_page": more,
                         "last_message_id": last})  # fmt: skip


def _confirm_lost(handler, state: ShopeeState, body: dict):
    try:
        last = int(body.get("last_message_id"))
    except (TypeError, ValueError):
        return _error(handler, 400, "error_param", "last_message_id is required")
    with state.lock:
        state.lost = [(seq, push) for seq, push in state.lost if seq > last]
    return _ok(handler, {})


# --- control ------------------------------------------------------------------------------


def _control(handler, state: ShopeeState, name: str, body: dict):
    with state.lock:
        if name == "_fail":
            mode = str(body.get("mode", "none"))
            if mode != "none" and mode not in ERRORS:
                return handler._reply(400, {"error": f"unknown mode {mode}"})
            state.failures = [] if mode == "none" else [mode] * max(1, int(body.get("times", 1)))
        elif name == "_messages":
            message = body.get("message") or {}
            state.messages.setdefault(str(message.get("conversation_id")), []).append(message)
        elif name == "_lost":
            state.lost_seq += 1
            state.lost.append((state.lost_seq, body.get("push") or {}))
        elif name == "_expire":
            state.expired.add(str(body.get("access_token", "")))
        elif name == "_refreshes":
            return handler._reply(200, {"data": list(state.refreshes)})
        else:
            return handler._reply(404, {"error": f"unknown control {name}"})
    return handler._reply(200, {"ok": True})


def _ok(handler, response: dict):
    return handler._reply(200, {"error": "", "message": "", "warning": "",
                                "request_id": _request_id(), "response": response})  # fmt: skip


def _error(handler, status: int, error: str, message: str):
    return handler._reply(status, {"error": error, "message": message,
                                   "request_id": _request_id()})  # fmt: skip


def _request_id() -> str:
    return secrets.token_hex(16)
