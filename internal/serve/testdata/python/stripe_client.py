"""An app using the official stripe Python library against `hookctl serve`
(stripe.api_base): it creates a webhook endpoint, asks the control API for
an event, verifies the delivery with stripe.Webhook.construct_event and the
secret from the create answer, and fetches the event back. Prints one JSON
line. Usage: stripe_client.py BASE_URL"""
import http.server
import json
import sys
import threading
import urllib.request

import stripe

base = sys.argv[1].rstrip("/")
stripe.api_key = "sk_test_python"
stripe.api_base = base
stripe.max_network_retries = 0

got = {}
arrived = threading.Event()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        got["body"] = body.decode("utf-8")
        got["signature"] = self.headers.get("Stripe-Signature", "")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
        arrived.set()

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d/stripe" % srv.server_address[1]

we = stripe.WebhookEndpoint.create(url=url, enabled_events=["payment.succeeded", "payment.failed"], metadata={"team": "billing"})
fetched_we = stripe.WebhookEndpoint.retrieve(we.id)
updated = stripe.WebhookEndpoint.modify(we.id, description="from python")
# This library sends a Python bool as "True"/"False", as Stripe takes it.
off = stripe.WebhookEndpoint.modify(we.id, disabled=True)
on = stripe.WebhookEndpoint.modify(we.id, disabled=False, metadata={"team": ""})
listed = stripe.WebhookEndpoint.list(limit=3)

req = urllib.request.Request(base + "/_hookctl/trigger", data=json.dumps({"type": "payment.succeeded"}).encode(), method="POST")
with urllib.request.urlopen(req, timeout=30) as resp:
    if resp.status != 201:
        raise SystemExit("trigger: %d" % resp.status)
if not arrived.wait(30):
    raise SystemExit("no delivery within 30 s")

verified, verify_error, ev_id = False, "", ""
try:
    ev = stripe.Webhook.construct_event(got["body"], got["signature"], we.secret)
    verified, ev_id = True, ev.id
except Exception as e:  # the library's SignatureVerificationError, or bad JSON
    verify_error = repr(e)
tampered = ""
try:
    stripe.Webhook.construct_event(got["body"].replace("payment", "pAyment", 1), got["signature"], we.secret)
except stripe.error.SignatureVerificationError as e:
    tampered = type(e).__name__

fetched = stripe.Event.retrieve(ev_id) if ev_id else None
deleted = stripe.WebhookEndpoint.delete(we.id)
missing = ""
try:
    stripe.WebhookEndpoint.retrieve(we.id)
except stripe.error.InvalidRequestError as e:
    missing = e.code or repr(e)
srv.shutdown()

print(json.dumps({
    "id": we.id, "secretPrefix": (we.get("secret") or "")[:6], "retrievedSecret": fetched_we.get("secret") or "",
    "metadata": dict(fetched_we.metadata), "enabled": list(fetched_we.enabled_events), "description": updated.description,
    "listed": len(listed.data), "disabled": off.status, "reenabled": on.status, "metadataAfter": dict(on.metadata), "verified": verified, "verifyError": verify_error, "tampered": tampered,
    "fetchedType": fetched.type if fetched else "", "deleted": bool(deleted.get("deleted")), "missing": missing,
}))
