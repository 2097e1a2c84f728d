// The Discord REST proxy every Study Companion process sends through (README: "Running past one
// machine"): @discordjs/proxy holds Discord's per-route buckets and the token's global limit in
// one place, so several bot processes together stay under Discord's 50 requests per second.
//
// Settings (environment):
//   PORT                  port on 127.0.0.1 (default 8280; 0 picks a free one, printed at start)
//   HOST                  address to listen on (default 127.0.0.1: put it behind your network)
//   DISCORD_API           upstream API root without version (default https://discord.com/api;
//                         the tests point it at the emulator)
//   GLOBAL_REQUESTS_PER_SECOND  the proxy's global rate (default 45, a little under Discord's 50)
//   EXIT_WITH_STDIN=1     stop when stdin closes (tests: the proxy never outlives its test)
//
// The bot: DISCORD_API_BASE=http://127.0.0.1:8280/api/v10. The proxy forwards the bot's own
// Authorization header; it holds no token itself.
//
// Two things are added to @discordjs/proxy's proxyRequests, both found by tests/e2e/test_proxy.py:
// - The request body is read in full before it is queued. proxyRequests hands @discordjs/rest
//   the request stream itself, and a request rest retries (after a 429 or a 5xx) then goes out
//   with the stream already consumed: an empty body, which Discord refuses ("Cannot send an
//   empty message"), and the post is lost.
// - A sliding one-second window over the requests actually sent (rest's `makeRequest`). Rest's
//   own global limit is a fixed window opened by its first request, so two windows back to back
//   can put up to twice the rate into one second as Discord may count it (the emulator's sliding
//   window answered 429s to it). The window here is the bot's RestGate rule (bot/schedule/pacer.py).
import { createServer } from "node:http";
import process from "node:process";
import { populateErrorResponse, populateSuccessfulResponse } from "@discordjs/proxy";
import { DefaultRestOptions, REST } from "@discordjs/rest";

const host = process.env.HOST || "127.0.0.1";
const port = Number.parseInt(process.env.PORT ?? "8280", 10);
const perSecond = Number.parseInt(process.env.GLOBAL_REQUESTS_PER_SECOND ?? "45", 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not ${process.env.PORT}`);
  process.exit(2);
}
if (!Number.isInteger(perSecond) || perSecond < 1 || perSecond > 50) {
  console.error(
    `GLOBAL_REQUESTS_PER_SECOND must be 1 to 50, not ${process.env.GLOBAL_REQUESTS_PER_SECOND}`,
  );
  process.exit(2);
}

//: Routes Discord keeps out of the global limit.
const EXEMPT = /^\/api(\/v\d+)?\/(interactions|webhooks)\//;

/** A request may start only while fewer than `limit` others are in flight or were answered
 * less than `windowMs` ago. Discord counts a request at some moment between its sending and
 * its answer, so then no window on Discord's side holds more than `limit`, however the requests
 * bunch up on the way (a stalled server reads a backlog at once). */
class SlidingWindow {
  constructor(limit, windowMs) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.answered = []; // answer times within the last window
    this.inFlight = 0;
    this.waiting = [];
    this.timer = null;
    // For /health: requests sent upstream, and the seconds they spent in flight and waiting.
    this.sent = 0;
    this.inFlightMs = 0;
    this.waitedMs = 0;
  }

  busy(now) {
    while (this.answered.length && now - this.answered[0] >= this.windowMs) this.answered.shift();
    return this.answered.length + this.inFlight >= this.limit;
  }

  acquire() {
    const asked = Date.now();
    return new Promise((resolve) => {
      this.waiting.push(() => {
        const now = Date.now();
        this.waitedMs += now - asked;
        resolve(now);
      });
      this.drain();
    });
  }

  release(started) {
    const now = Date.now();
    this.inFlight -= 1;
    this.sent += 1;
    this.inFlightMs += now - started;
    this.answered.push(now);
    this.drain();
  }

  drain() {
    let now = Date.now();
    while (this.waiting.length && !this.busy(now)) {
      this.inFlight += 1;
      this.waiting.shift()();
      now = Date.now();
    }
    if (this.waiting.length && this.timer === null && this.answered.length) {
      const wait = Math.max(1, this.answered[0] + this.windowMs - now);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.drain();
      }, wait);
    }
  }
}

const window = new SlidingWindow(perSecond, 1000);
const rest = new REST({
  api: process.env.DISCORD_API || "https://discord.com/api",
  // Rest's own fixed window stays as a second bound; the sliding window above is the tight one.
  globalRequestsPerSecond: perSecond,
  // Queue, never answer 429 from the proxy's own buckets: the bot's processes then wait in one
  // line instead of retrying into each other.
  rejectOnRateLimit: null,
  async makeRequest(url, init) {
    if (EXEMPT.test(new URL(url).pathname)) {
      return DefaultRestOptions.makeRequest(url, init);
    }
    const started = await window.acquire();
    try {
      return await DefaultRestOptions.makeRequest(url, init);
    } finally {
      window.release(started);
    }
  },
});

let rateLimited = 0;
let received = 0;
let answered = 0;
rest.on("rateLimited", (info) => {
  rateLimited += 1;
  if (info.global) {
    console.warn(`global rate limit: waiting ${info.timeToReset} ms (${info.method} ${info.route})`);
  }
});

/** proxyRequests of @discordjs/proxy 2.1.1, with the body read first (see the top). */
async function forward(req, res) {
  received += 1;
  const parsedUrl = new URL(req.url, "http://noop");
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const headers = { "Content-Type": req.headers["content-type"] };
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  if (req.headers["x-audit-log-reason"]) {
    headers["x-audit-log-reason"] = req.headers["x-audit-log-reason"];
  }
  try {
    const answer = await rest.queueRequest({
      body: chunks.length ? Buffer.concat(chunks) : undefined,
      fullRoute: parsedUrl.pathname.replace(/^\/api(\/v\d+)?/, ""),
      method: req.method,
      auth: false, // the bot's own Authorization header goes through
      passThroughBody: true,
      query: parsedUrl.searchParams,
      headers,
    });
    await populateSuccessfulResponse(res, answer);
  } catch (error) {
    if (!populateErrorResponse(res, error)) throw error;
  } finally {
    answered += 1;
    res.end();
  }
}

/** What /health reports: counters since the start, so that a poller can take differences
 * (requests answered per second, the mean time a request waited for the window or spent
 * upstream) and see a backlog (`open`: received, not yet answered). */
function healthBody() {
  return {
    ok: true,
    waited_for_rate_limits: rateLimited,
    received,
    answered,
    open: received - answered,
    upstream: {
      sent: window.sent,
      in_flight: window.inFlight,
      waiting: window.waiting.length,
      in_flight_ms: window.inFlightMs,
      waited_ms: window.waitedMs,
    },
  };
}

const server = createServer((req, res) => {
  // A health check the supervisor can poll; it never reaches Discord.
  if (req.url === "/health") {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(healthBody()));
    return;
  }
  forward(req, res).catch((error) => {
    console.error(`proxy error for ${req.method} ${req.url}: ${error}`);
    if (!res.headersSent) {
      res.statusCode = 502;
    }
    res.end();
  });
});

server.listen(port, host, () => {
  const address = server.address();
  console.log(`listening ${address.port} (${host}, ${perSecond} requests/s global)`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
if (process.env.EXIT_WITH_STDIN === "1") {
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
}
