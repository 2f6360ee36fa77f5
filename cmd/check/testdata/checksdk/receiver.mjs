// A webhook receiver written the way users write them, with a provider's
// official Node library, in its correct form or in one of the broken
// forms real code has. The checksdk tests run hookctl check against it.
//
//   SDK=svix|octokit|octokit-middleware|stripe VARIANT=… SECRET=… EFFECT=FILE node receiver.mjs
//
// VARIANT is "ok" or broken forms joined by "+": reserialize (verifies
// JSON.stringify of express.json()'s object), always200 (answers 200 to a
// failed verification), nodedupe, slow (SLOW_MS of work before the
// answer), defaultlimit (express's 100kb body limit), missingok (skips
// verification when the signature header is missing), noreturn (svix:
// answers 400 to a failed verification, then goes on and processes the
// event), and for stripe
// firstsig (hand-written: the first v1 signature, compared with ===),
// notolerance (constructEvent's tolerance 0), hourtolerance (3600) and
// uncaught (constructEvent's exception left to express: a 500); for
// octokit timingsafe (hand-written: crypto.timingSafeEqual without a
// length check, behind a guard for a missing header).
//
// It listens on 127.0.0.1 (a free port), prints {"port": N} on stdout and
// appends one line to EFFECT for each event it processes.
import http from "node:http";
import crypto from "node:crypto";
import { appendFileSync } from "node:fs";
import express from "express";
import { Webhook } from "svix";
import { Webhooks, createNodeMiddleware } from "@octokit/webhooks";
import Stripe from "stripe";

const { SDK, VARIANT = "ok", SECRET, EFFECT } = process.env;
const has = (v) => VARIANT.split("+").includes(v);
const seen = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// process acts on an event: once per id (unless the variant forgets to).
async function processEvent(id) {
  if (has("slow")) await sleep(Number(process.env.SLOW_MS || 3000)); // the work done before answering
  if (!has("nodedupe")) {
    if (seen.has(id)) return;
    seen.add(id);
  }
  appendFileSync(EFFECT, id + "\n");
}

// The body as the handler verifies it: the raw bytes, or (reserialize)
// the JSON parsed by express.json() and serialised again.
function bodyParser() {
  const limit = has("defaultlimit") ? undefined : "1mb"; // express's default is 100kb
  if (has("reserialize")) return express.json({ type: "*/*", limit });
  return express.raw({ type: "*/*", limit });
}
const payloadOf = (req) => (has("reserialize") ? JSON.stringify(req.body) : req.body.toString("utf8"));

// refuse answers a request that failed verification.
function refuse(res, err) {
  if (has("always200")) return res.status(200).json({ received: false }); // logs it, acknowledges anyway
  return res.status(400).json({ error: String((err && err.message) || err) });
}

const app = express();
let server;

if (SDK === "svix") {
  const wh = new Webhook(SECRET);
  app.post("/webhooks", bodyParser(), async (req, res) => {
    if (has("missingok") && !req.headers["webhook-signature"] && !req.headers["svix-signature"]) {
      await processEvent(req.headers["webhook-id"] || crypto.randomUUID());
      return res.json({ received: true });
    }
    let evt;
    try {
      evt = wh.verify(payloadOf(req), req.headers);
    } catch (err) {
      if (has("noreturn")) {
        refuse(res, err); // …and no return: the handler goes on
      } else {
        return refuse(res, err);
      }
    }
    await processEvent(req.headers["webhook-id"] || req.headers["svix-id"]);
    if (!res.headersSent) res.json({ received: true, type: evt.type });
  });
} else if (SDK === "octokit") {
  const webhooks = new Webhooks({ secret: SECRET });
  app.post("/webhooks", bodyParser(), async (req, res) => {
    const sig = req.get("x-hub-signature-256");
    if (!sig && has("missingok")) {
      await processEvent(req.get("x-github-delivery"));
      return res.json({ received: true });
    }
    let ok = false;
    if (has("timingsafe")) {
      // Hand-written as GitHub's docs showed it: timingSafeEqual throws
      // when the lengths differ (express answers a 500).
      if (!sig) return refuse(res, "no signature");
      const expected = "sha256=" + crypto.createHmac("sha256", SECRET).update(payloadOf(req)).digest("hex");
      ok = crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(sig));
    } else {
      try {
        ok = await webhooks.verify(payloadOf(req), sig);
      } catch (err) {
        return refuse(res, err);
      }
    }
    if (!ok) return refuse(res, "signature does not match");
    await processEvent(req.get("x-github-delivery"));
    res.json({ received: true });
  });
} else if (SDK === "octokit-middleware") {
  // @octokit/webhooks' own Node middleware on a plain http server.
  const webhooks = new Webhooks({ secret: SECRET });
  webhooks.onAny(async ({ id }) => processEvent(id));
  const mw = createNodeMiddleware(webhooks, { path: "/webhooks" });
  server = http.createServer(async (req, res) => {
    if (await mw(req, res)) return;
    res.writeHead(404).end();
  });
} else if (SDK === "stripe") {
  const stripe = new Stripe("sk_test_checksdk");
  app.post("/webhooks", bodyParser(), async (req, res) => {
    const header = req.get("stripe-signature");
    let event;
    if (has("firstsig")) {
      // Hand-written: the first v1 signature only, compared with ===.
      try {
        const parts = Object.fromEntries(header.split(",").map((kv) => kv.split("=")));
        const expected = crypto.createHmac("sha256", SECRET).update(`${parts.t}.${payloadOf(req)}`).digest("hex");
        if (header.split(",").find((kv) => kv.startsWith("v1=")).slice(3) !== expected) throw new Error("bad signature");
        if (Math.abs(Date.now() / 1000 - Number(parts.t)) > 300) throw new Error("timestamp outside the tolerance");
        event = JSON.parse(payloadOf(req));
      } catch (err) {
        return refuse(res, err);
      }
    } else {
      // tolerance: 0 skips the timestamp (as documented), 3600 is an hour.
      const tolerance = has("notolerance") ? 0 : has("hourtolerance") ? 3600 : undefined;
      if (has("uncaught")) {
        // No try/catch: express answers the exception with a 500.
        event = stripe.webhooks.constructEvent(payloadOf(req), header, SECRET, tolerance);
      } else {
        try {
          event = stripe.webhooks.constructEvent(payloadOf(req), header, SECRET, tolerance);
        } catch (err) {
          return refuse(res, err);
        }
      }
    }
    await processEvent(event.id);
    res.json({ received: true });
  });
} else {
  console.error("unknown SDK " + SDK);
  process.exit(2);
}

server = server || http.createServer(app);
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
