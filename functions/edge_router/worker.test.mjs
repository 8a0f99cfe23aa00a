// node --test functions/edge_router/worker.test.mjs  (Node 18+: Request/Response/URL are global)
import assert from "node:assert/strict";
import { test } from "node:test";

import worker, { route, SECURITY_HEADERS } from "./worker.js";

const ORIGINS = { aws: "d111111abcdef8.cloudfront.net", gcp: "34.120.0.10.nip.io" };
const ENV = { ENVIRONMENT: "dev", ORIGINS };

test("health is answered at the edge with the environment and security headers", async () => {
  const response = await worker.fetch(new Request("https://app.qmoi.ai/.well-known/edge-health"), ENV);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: "ok", environment: "dev" });
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    assert.equal(response.headers.get(name), value);
  }
});

test("a pinned path goes to that cloud's origin over https with the prefix removed", () => {
  const decision = route(new URL("http://app.qmoi.ai/_origin/aws/media/a.png?x=1"), ORIGINS);
  assert.deepEqual(decision, { kind: "pinned", url: "https://d111111abcdef8.cloudfront.net/media/a.png?x=1" });
});

test("a pinned path to a cloud without an origin is a 404, not a pass-through", async () => {
  const response = await worker.fetch(new Request("https://app.qmoi.ai/_origin/azure/x"), ENV);
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("X-Frame-Options"), "DENY");
});

test("other paths pass through to the load balancer with security headers added", async () => {
  const seen = [];
  globalThis.fetch = async (request) => {
    seen.push(request.url);
    return new Response("hi", { headers: { "X-Frame-Options": "SAMEORIGIN" } });
  };
  const response = await worker.fetch(new Request("https://app.qmoi.ai/api/v1/items"), ENV);
  assert.deepEqual(seen, ["https://app.qmoi.ai/api/v1/items"]);
  assert.equal(response.headers.get("X-Frame-Options"), "DENY");
  assert.equal(response.headers.get("Strict-Transport-Security"), SECURITY_HEADERS["Strict-Transport-Security"]);
});
