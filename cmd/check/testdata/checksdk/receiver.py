"""A Stripe webhook receiver written the way users write one: the
official stripe library's stripe.Webhook.construct_event in the
standard library's http.server, in its correct form or in one of the
broken forms real code has. The checksdk tests run hookctl check
against it.

    VARIANT=... SECRET=whsec_... EFFECT=FILE python3 receiver.py

VARIANT is "ok" or forms joined by "+": threads (ThreadingHTTPServer
instead of the tutorials' HTTPServer), reserialize (verifies
json.dumps(json.loads(body))), notolerance (tolerance=None), always200,
nodedupe, slow (SLOW_SECONDS of work before the answer).

It listens on 127.0.0.1 (a free port), prints {"port": N} on stdout and
appends one line to EFFECT for each event it processes.
"""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

import stripe

VARIANTS = set(os.environ.get("VARIANT", "ok").split("+"))
SECRET = os.environ["SECRET"]
EFFECT = os.environ["EFFECT"]
seen = set()


def process(event_id):
    if "slow" in VARIANTS:
        time.sleep(float(os.environ.get("SLOW_SECONDS", "3")))  # the work done before answering
    if "nodedupe" not in VARIANTS:
        if event_id in seen:
            return
        seen.add(event_id)
    with open(EFFECT, "a") as f:
        f.write(event_id + "\n")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        payload = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if "reserialize" in VARIANTS:
            # Parsed, then serialised again: not the bytes Stripe signed.
            payload = json.dumps(json.loads(payload))
        sig = self.headers.get("Stripe-Signature")
        kwargs = {}
        if "notolerance" in VARIANTS:
            kwargs["tolerance"] = None  # the timestamp is not checked
        try:
            event = stripe.Webhook.construct_event(payload, sig, SECRET, **kwargs)
        except (ValueError, stripe.error.SignatureVerificationError) as e:
            if "always200" in VARIANTS:
                return self.answer(200, {"received": False})
            return self.answer(400, {"error": str(e)})
        process(event["id"])
        self.answer(200, {"received": True})

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# The tutorials' HTTPServer handles one request at a time; "threads" is
# the ThreadingHTTPServer a careful user picks.
server_class = ThreadingHTTPServer if "threads" in VARIANTS else HTTPServer
server = server_class(("127.0.0.1", 0), Handler)
print(json.dumps({"port": server.server_address[1]}), flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
