"""The official stripe Python library against `hookctl serve`, on what
Stripe answers beyond the happy path: an Idempotency-Key reused on another
endpoint (IdempotencyError in Stripe's words), expand on an object with
nothing to expand (InvalidRequestError), and the Request-Id every answer
carries (request_id). Prints one JSON line. Usage: svixleft_stripe_fidelity.py BASE_URL"""
import json
import sys

import stripe

stripe.api_key = "sk_test_python_fidelity"
stripe.api_base = sys.argv[1].rstrip("/")
stripe.max_network_retries = 0

out = {}
we = stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/hook", enabled_events=["*"], idempotency_key="py-key-1")
out["createRequestId"] = we.last_response.request_id or ""
again = stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/hook", enabled_events=["*"], idempotency_key="py-key-1")
out["replayedSame"] = again.id == we.id
out["replayRequestId"] = again.last_response.request_id or ""
try:
    stripe.WebhookEndpoint.modify(we.id, description="x", idempotency_key="py-key-1")
    out["otherEndpoint"] = "no error"
except stripe.error.IdempotencyError as e:
    out["otherEndpoint"] = type(e).__name__
    out["otherEndpointMessage"] = e.user_message
    out["otherEndpointStatus"] = e.http_status
    out["errorRequestId"] = e.request_id or ""
try:
    stripe.WebhookEndpoint.retrieve(we.id, expand=["application"])
    out["expand"] = "no error"
except stripe.error.InvalidRequestError as e:
    out["expand"] = "%s %d %s" % (type(e).__name__, e.http_status, e.user_message)
try:
    stripe.WebhookEndpoint.retrieve("we_missing")
except stripe.error.InvalidRequestError as e:
    out["missingRequestId"] = e.request_id or ""
out["id"] = we.id
print(json.dumps(out))
