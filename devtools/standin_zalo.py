"""The Zalo part of the provider stand-in (mounted under /zalo by devtools/standin.py): the
OA API and OAuth v4 as the product's client calls them, with Zalo's errors.

Point ZALO_API_URL at `<stand-in>/zalo/openapi` and ZALO_OAUTH_URL at `<stand-in>/zalo/oauth/v4`.

    GET  /zalo/oauth/v4/oa/permission?app_id&redirect_uri&code_challenge&state[&oa_id]
         consents at once: 302 to redirect_uri?code=…&oa_id=…&state=… (the OA of `oa_id`, else
         STANDIN_OA_ID)
    POST /zalo/oauth/v4/oa/access_token   (header secret_key; form app_id, grant_type, …)
         authorization_code: checks the PKCE verifier against the challenge; refresh_token:
         a refresh token works once (-14020 after), each answer carries a new one
    POST /zalo/openapi/v3.0/oa/message/cs  (header access_token) records the send; text over
         2000 characters is refused; more than FREE_REPLIES answers to one message_id -> quota
    POST /zalo/openapi/v2.0/oa/upload/{image,gif,file}   an attachment_id / file token
    GET  /zalo/openapi/v2.0/oa/getoa, /v2.0/oa/getprofile?data={"user_id":…}
    POST /zalo/_fail {"mode": M, "times": N}  the next N calls answer Zalo's error M:
         token (-216), package (-224), quota (-211), refresh_used (-14020), server (HTTP 500)
    POST /zalo/_config {"expires_in": S}      lifetime of the access tokens handed out next

Access tokens the stand-in did not hand out are accepted (the demo seeds its own) unless
they start with "bad"; those it handed out expire after `expires_in` (-216 after).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections import deque
from urllib.parse import urlencode

from devtools import simulator

STANDIN_OA_ID = "1829374650192837465"
FREE_REPLIES = 8
ERRORS = {
    "token": (200, {"error": -216, "message": "Access token is invalid"}),
    "package": (200, {"error": -224, "message": "OA has not been granted permission for this"
                                                " API or the OA package has expired"}),
    "quota": (200, {"error": -211, "message": "Out of quota"}),
    "refresh_used": (200, {"error": -14020, "error_name": "Invalid refresh token",
                           "error_description": "Refresh token is invalid or has been used"}),
    "server": (500, {"error": -1, "message": "Internal server error"}),
}  # fmt: skip


class ZaloState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (challenge, oa id)
        self.access: dict[str, tuple[str, float]] = {}  # token -> (oa id, expires at)
        self.refresh: dict[str, str] = {}  # live refresh token -> oa id
        self.spent: set[str] = set()
        self.replies: dict[str, int] = {}  # answered message_id -> replies sent
        self.failures: deque[str] = deque()
        self.expires_in = 90000

    def next_failure(self) -> str | None:
        with self.lock:
            return self.failures.popleft() if self.failures else None

    def issue(self, oa_id: str) -> dict:
        access, refresh = "zat-" + secrets.token_urlsafe(24), "zrt-" + secrets.token_urlsafe(24)
        self.access[access] = (oa_id, time.time() + self.expires_in)
        self.refresh[refresh] = oa_id
        return {"access_token": access, "refresh_token": refresh,
                "expires_in": str(self.expires_in)}  # fmt: skip


def state_of(handler) -> ZaloState:
    server_state = handler.state
    with server_state.lock:
        if not hasattr(server_state, "zalo"):
            server_state.zalo = ZaloState()
        return server_state.zalo


def handle(handler, method: str, segments: list[str], query: dict, body: dict):
    """One request under /zalo/ (the first segment already taken off)."""
    state = state_of(handler)
    if segments == ["_fail"] and method == "POST":
        mode = str(body.get("mode", "none"))
        if mode != "none" and mode not in ERRORS:
            return handler._reply(400, {"error": f"unknown mode {mode}"})
        with state.lock:
            state.failures.clear()
            if mode != "none":
                state.failures.extend([mode] * max(1, int(body.get("times", 1))))
        return handler._reply(200, {"ok": True})
    if segments == ["_config"] and method == "POST":
        with state.lock:
            state.expires_in = int(body.get("expires_in", state.expires_in))
        return handler._reply(200, {"ok": True})
    if segments[:2] == ["oauth", "v4"]:
        return _oauth(handler, state, method, segments[2:], query, body)
    if segments[:1] == ["openapi"]:
        return _api(handler, state, method, segments[1:], query, body)
    return handler._reply(404, {"error": -1, "message": "Unknown path"})


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _oauth(handler, state: ZaloState, method, segments, query, body):
    if segments == ["oa", "permission"] and method == "GET":
        code = "zcode-" + secrets.token_urlsafe(16)
        oa_id = query.get("oa_id") or STANDIN_OA_ID
        with state.lock:
            state.codes[code] = (query.get("code_challenge", ""), oa_id)
        target = query.get("redirect_uri", "")
        joiner = "&" if "?" in target else "?"
        location = (
            target
            + joiner
            + urlencode({"code": code, "oa_id": oa_id, "state": query.get("state", "")})
        )
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return None
    if segments != ["oa", "access_token"] or method != "POST":
        return handler._reply(404, {"error": -1, "message": "Unknown path"})
    if not handler.headers.get("secret_key"):
        return handler._reply(200, {"error": -14003, "error_name": "Invalid secret key"})
    failure = state.next_failure()
    if failure:
        return handler._reply(*ERRORS[failure])
    grant = body.get("grant_type")
    with state.lock:
        if grant == "authorization_code":
            challenge, oa_id = state.codes.pop(str(body.get("code", "")), ("", ""))
            if not oa_id or _challenge(str(body.get("code_verifier", ""))) != challenge:
                return handler._reply(200, {"error": -14019, "error_name": "Invalid code"})
            answer = state.issue(oa_id)
        elif grant == "refresh_token":
            token = str(body.get("refresh_token", ""))
            if token in state.spent or not token or token.startswith("bad"):
                return handler._reply(*ERRORS["refresh_used"])
            oa_id = state.refresh.pop(token, STANDIN_OA_ID)
            state.spent.add(token)
            answer = state.issue(oa_id)
        else:
            return handler._reply(200, {"error": -14001, "error_name": "Invalid grant_type"})
    handler._record("POST", ["zalo", "oauth", "access_token"], {"grant_type": grant}, "",
                    kind=f"zalo_token_{grant}")  # fmt: skip
    return handler._reply(200, answer)


def _api(handler, state: ZaloState, method, segments, query, body):
    token = handler.headers.get("access_token", "")
    with state.lock:
        known = state.access.get(token)
    if not token or token.startswith("bad") or (known and known[1] < time.time()):
        return handler._reply(*ERRORS["token"])
    oa_id = known[0] if known else STANDIN_OA_ID
    failure = state.next_failure()
    if failure:
        return handler._reply(*ERRORS[failure])
    path = "/".join(segments)
    if method == "POST" and path == "v3.0/oa/message/cs":
        return _send(handler, state, token, body)
    if method == "POST" and path.startswith("v2.0/oa/upload/"):
        kind = segments[-1]
        data = ({"token": "zft-" + secrets.token_urlsafe(18)} if kind == "file"
                else {"attachment_id": "zat" + secrets.token_hex(12)})  # fmt: skip
        handler._record(method, ["zalo", *segments], {}, token, kind=f"zalo_upload_{kind}")
        return handler._reply(200, {"data": data, "error": 0, "message": "Success"})
    if method == "GET" and path == "v2.0/oa/getoa":
        return handler._reply(200, {"data": {"oa_id": oa_id, "name": "Shop Demo Zalo OA",
                                             "description": "", "is_verified": True},
                                    "error": 0, "message": "Success"})  # fmt: skip
    if method == "GET" and path == "v2.0/oa/getprofile":
        import json

        try:
            user = str(json.loads(query.get("data", "{}")).get("user_id", ""))
        except ValueError:
            user = ""
        host = handler.headers.get("Host", "127.0.0.1")
        handler._read("zalo_profile", user, query)
        return handler._reply(200, {"data": {
            "user_id": user, "display_name": simulator.customer_name(user),
            "avatar": f"http://{host}/_media/avatar/{user}.png",
        }, "error": 0, "message": "Success"})  # fmt: skip
    return handler._reply(404, {"error": -1, "message": "Unknown path"})


def _send(handler, state: ZaloState, token: str, body: dict):
    recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    if not (recipient.get("user_id") or recipient.get("message_id")) or not message:
        return handler._reply(200, {"error": -201, "message": "Parameters are invalid"})
    if len(str(message.get("text", ""))) > 2000:
        return handler._reply(200, {"error": -201, "message": "Text is too long"})
    answered = str(recipient.get("message_id") or "")
    with state.lock:
        if answered:
            if state.replies.get(answered, 0) >= FREE_REPLIES:
                return handler._reply(*ERRORS["quota"])
            state.replies[answered] = state.replies.get(answered, 0) + 1
    mid = secrets.token_hex(16)
    user = str(recipient.get("user_id") or f"user-of-{answered}")
    handler._record("POST", ["zalo", "v3.0", "oa", "message", "cs"], body, token,
                    kind="zalo_message", result_id=mid, recipient=user)  # fmt: skip
    return handler._reply(200, {"data": {"message_id": mid, "user_id": user,
                                         "quota": {"quota_type": "reply"}},
                                "error": 0, "message": "Success"})  # fmt: skip
