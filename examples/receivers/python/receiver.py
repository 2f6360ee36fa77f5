#!/usr/bin/env python3
"""A Bond webhook receiver using only the Python standard library.

It verifies Bond-Signature (v2: HMAC-SHA256 of "{t}.{raw body}", keyed with
the whole whsec_ secret) and its timestamp (300 s either way), answers at
once, and processes each event once, in a worker thread. Bond's events carry no id and Bond sends no
Idempotency-Key header, so an event is known by its name and occurred_at
(a retry sends the same body); one without occurred_at falls back to a hash
of the body. Every processed event is appended to EVENTS_LOG, so
`wc -l < processed.log` shows what the app did.

    WEBHOOK_SECRET=whsec_… PORT=8000 python3 receiver.py
    hookctl check http://localhost:8000/webhooks --provider bond --secret whsec_… \
        --effect-cmd 'wc -l < processed.log'
"""
import hashlib
import hmac
import json
import os
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["WEBHOOK_SECRET"].encode()
TOLERANCE = 300  # seconds, in the past and in the future
MAX_BODY = 1 << 20
LOG = os.environ.get("EVENTS_LOG", "processed.log")

seen = set()  # keys of the events already accepted (use your database)
seen_lock = threading.Lock()
work = queue.Queue()


def verify(header, body, now):
    """Return None when the Bond-Signature header is valid, else a reason."""
    if not header:
        return "missing Bond-Signature"
    fields = {}
    sigs = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "v2":
            sigs.append(value)
        else:
            fields[key] = value
    try:
        ts = int(fields["t"])
    except (KeyError, ValueError):
        return "malformed Bond-Signature"
    expected = hmac.new(SECRET, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in sigs):
        return "signature mismatch"
    if abs(now - ts) > TOLERANCE:
        return "timestamp outside the tolerance"
    return None


def event_key(event, body):
    """What identifies a Bond event: its name and occurred_at. Not the
    Idempotency-Key header: Bond does not send one (nor does hookctl)."""
    if isinstance(event, dict) and event.get("event") and event.get("occurred_at"):
        return f'{event["event"]} {event["occurred_at"]}'
    return hashlib.sha256(body).hexdigest()


def process(event):
    """The app's real work, done after the answer was sent."""
    kind = event.get("event", "")
    if kind.startswith(("kyc.", "kyb.", "card.", "transactions", "account.")):
        pass  # update your records here
    else:
        return  # an event type this app does not handle: ignore it


def worker():
    while True:
        key, event = work.get()
        process(event)
        with open(LOG, "a") as f:
            f.write(key + "\n")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self.answer(413, {"error": "body too large"})
        body = self.rfile.read(length)
        reason = verify(self.headers.get("Bond-Signature"), body, time.time())
        if reason:
            return self.answer(401, {"error": reason})
        try:
            event = json.loads(body)
        except ValueError:
            return self.answer(400, {"error": "body is not JSON"})
        key = event_key(event, body)
        with seen_lock:
            duplicate = key in seen
            seen.add(key)
        if not duplicate:
            work.put((key, event))
        self.answer(200, {"received": True, "duplicate": duplicate})

    def answer(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default (5) drops connections under a burst


def main():
    open(LOG, "a").close()  # exists from the start, for the effect command
    threading.Thread(target=worker, daemon=True).start()
    server = Server(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}/webhooks", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
