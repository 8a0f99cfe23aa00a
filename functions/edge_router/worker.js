// edge_router: the Cloudflare Worker in front of the multi-cloud load balancer.
//
// - Adds security headers to every response (HSTS, nosniff, frame and referrer policies).
// - GET /.well-known/edge-health answers at the edge, without touching an origin.
// - /_origin/<provider>/<path> pins a request to one cloud's origin (ORIGINS binding:
//   provider -> origin hostname, filled from the other clouds' outputs); anything else
//   passes through to the load balancer, which picks the origin.
// Bindings: ENVIRONMENT (plain text), ORIGINS (JSON object).

export const SECURITY_HEADERS = {
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
};

const PINNED = /^\/_origin\/([a-z]+)(\/.*)?$/;

export function withSecurityHeaders(response) {
  const secured = new Response(response.body, response);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    secured.headers.set(name, value);
  }
  return secured;
}

// Where a request goes: {kind: "health"}, {kind: "pinned", url}, {kind: "unknown-origin"} or {kind: "pass"}.
export function route(url, origins) {
  if (url.pathname === "/.well-known/edge-health") {
    return { kind: "health" };
  }
  const pinned = PINNED.exec(url.pathname);
  if (pinned) {
    const host = (origins || {})[pinned[1]];
    if (!host) {
      return { kind: "unknown-origin" };
    }
    const target = new URL(url);
    target.hostname = host;
    target.protocol = "https:";
    target.port = "";
    target.pathname = pinned[2] || "/";
    return { kind: "pinned", url: target.toString() };
  }
  return { kind: "pass" };
}

export default {
  async fetch(request, env) {
    const decision = route(new URL(request.url), env.ORIGINS);
    let response;
    if (decision.kind === "health") {
      response = Response.json({ status: "ok", environment: env.ENVIRONMENT });
    } else if (decision.kind === "unknown-origin") {
      response = new Response("unknown origin\n", { status: 404 });
    } else if (decision.kind === "pinned") {
      response = await fetch(new Request(decision.url, request));
    } else {
      response = await fetch(request);
    }
    return withSecurityHeaders(response);
  },
};
