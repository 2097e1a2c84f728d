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
//   DISCORD_GLOBAL_LIMIT  Discord's global limit per second (default 50; the tests scale it down):
//                         never more than one under it in any second as Discord may count them
//   EXIT_WITH_STDIN=1     stop when stdin closes (tests: the proxy never outlives its test)
//
// The bot: DISCORD_API_BASE=http://127.0.0.1:8280/api/v10. The proxy forwards the bot's own
// Authorization header; it holds no token itself.
//
// Three things are added to @discordjs/proxy's proxyRequests, found by tests/e2e/test_proxy.py and
// tests/e2e/test_cluster.py:
// - The request body is read in full before it is queued. proxyRequests hands @discordjs/rest
//   the request stream itself, and a request rest retries (after a 429 or a 5xx) then goes out
//   with the stream already consumed: an empty body, which Discord refuses ("Cannot send an
//   empty message"), and the post is lost.
// - Its own global limit over the requests actually sent (rest's `makeRequest`; GlobalLimit
//   below): evenly paced at the rate, and bounded by a sliding one-second window as Discord may
//   count it. Rest's own global limit is a fixed window opened by its first request, so two
//   windows back to back can put up to twice the rate into one second (the emulator's sliding
//   window answered 429s to it); it is turned off.
// - Two lanes: message sends wait behind every other request, so a process logging in (a
//   take-over) or a role grant is not queued behind a fan-out's hundreds of posts.
import { createServer } from "node:http";
import process from "node:process";
import { populateErrorResponse, populateSuccessfulResponse } from "@discordjs/proxy";
import { DefaultRestOptions, REST } from "@discordjs/rest";

const host = process.env.HOST || "127.0.0.1";
const port = Number.parseInt(process.env.PORT ?? "8280", 10);
const perSecond = Number.parseInt(process.env.GLOBAL_REQUESTS_PER_SECOND ?? "45", 10);
const discordLimit = Number.parseInt(process.env.DISCORD_GLOBAL_LIMIT ?? "50", 10);
//: Requests that may go back to back after a pause (the pace allows no more in any second
//: than perSecond + BURST - 1, under the bound).
const BURST = 3;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not ${process.env.PORT}`);
  process.exit(2);
}
if (!Number.isInteger(discordLimit) || discordLimit < 2 || discordLimit > 50) {
  console.error(`DISCORD_GLOBAL_LIMIT must be 2 to 50, not ${process.env.DISCORD_GLOBAL_LIMIT}`);
  process.exit(2);
}
if (!Number.isInteger(perSecond) || perSecond < 1 || perSecond >= discordLimit) {
  console.error(
    `GLOBAL_REQUESTS_PER_SECOND must be 1 to ${discordLimit - 1} (under DISCORD_GLOBAL_LIMIT), ` +
      `not ${process.env.GLOBAL_REQUESTS_PER_SECOND}`,
  );
  process.exit(2);
}

//: Routes Discord keeps out of the global limit (paths without the /api/vN prefix).
const EXEMPT = /^\/(interactions|webhooks)\//;

/** When a request may go upstream, under Discord's global limit for the token:
 * - the pace: one start every 1/`perSecond` s (up to `burst` back to back after a pause), so the
 *   rate is `perSecond` however the bot processes bunch their requests;
 * - the bound: a request starts only while fewer than `limit` others are in flight or were
 *   answered less than `windowMs` ago. Discord counts a request at some moment between its
 *   sending and its answer, so no window on Discord's side holds more than `limit`, whatever the
 *   latency or a stall (the bot's RestGate rule, bot/schedule/pacer.py). Set a little under
 *   Discord's own limit, not at the pace: at the pace it cut the rate to perSecond / (1 + the
 *   upstream seconds per request).
 * - two lanes: message sends (a fan-out's posts and DMs, hundreds at once) wait behind every
 *   other request (a process logging in, /gateway/bot, a role, a lookup), which then waits for
 *   the next slot only, not for the fan-out's backlog. */
class GlobalLimit {
  constructor(perSecond, limit, windowMs, burst) {
    this.interval = 1000 / perSecond;
    this.burstSpan = (burst - 1) * this.interval;
    this.limit = limit;
    this.windowMs = windowMs;
    this.nextSlot = -Infinity;
    this.answered = []; // answer times within the last window
    this.inFlight = 0;
    this.lanes = [[], []]; // [others, message sends]
    this.timer = null;
    this.timerAt = Infinity;
    // For /health: requests sent upstream, and the ms they spent in flight and waiting.
    this.sent = 0;
    this.inFlightMs = 0;
    this.waitedMs = 0;
  }

  get waiting() {
    return this.lanes[0].length + this.lanes[1].length;
  }

  /** Ms until a request may start (0: now; Infinity: when an answer comes). */
  delay(now) {
    while (this.answered.length && now - this.answered[0] >= this.windowMs) this.answered.shift();
    let wait = Math.max(0, Math.max(this.nextSlot, now - this.burstSpan) - now);
    const over = this.inFlight + this.answered.length - this.limit + 1;
    if (over > 0) {
      // `over` answers must leave the window first; in-flight ones leave it only once answered.
      const leaving = this.answered[over - 1];
      wait = Math.max(wait, leaving === undefined ? Infinity : leaving + this.windowMs - now);
    }
    return wait;
  }

  acquire(bulk) {
    const asked = Date.now();
    return new Promise((resolve) => {
      this.lanes[bulk ? 1 : 0].push((now) => {
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
    while (this.waiting) {
      const now = Date.now();
      const wait = this.delay(now);
      if (wait > 0) {
        this.wakeIn(wait, now);
        return;
      }
      this.nextSlot = Math.max(this.nextSlot, now - this.burstSpan) + this.interval;
      this.inFlight += 1;
      (this.lanes[0].length ? this.lanes[0] : this.lanes[1]).shift()(now);
    }
  }

  wakeIn(wait, now) {
    if (wait === Infinity || now + wait >= this.timerAt) return; // an answer, or a timer, wakes it
    clearTimeout(this.timer);
    this.timerAt = now + wait;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.drain();
    }, Math.max(1, Math.ceil(wait)));
  }
}

//: Message sends, the bulk of a fan-out: they queue behind every other request.
const MESSAGE_SEND = /^\/channels\/\d+\/messages$/;

const window = new GlobalLimit(perSecond, discordLimit - 1, 1000, BURST);
const rest = new REST({
  api: process.env.DISCORD_API || "https://discord.com/api",
  // Rest's own global limit is a fixed window, woken 50 ms late, which lets a request of the
  // first lane wait up to a second behind the fan-out: off (never reached); GlobalLimit above
  // paces and bounds instead. A global 429 from Discord still stops rest's queues.
  globalRequestsPerSecond: Number.MAX_SAFE_INTEGER,
  // Queue, never answer 429 from the proxy's own buckets: the bot's processes then wait in one
  // line instead of retrying into each other.
  rejectOnRateLimit: null,
  async makeRequest(url, init) {
    const path = new URL(url).pathname.replace(/^\/api(\/v\d+)?/, "");
    if (EXEMPT.test(path)) {
      return DefaultRestOptions.makeRequest(url, init);
    }
    const started = await window.acquire(init.method === "POST" && MESSAGE_SEND.test(path));
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
      waiting: window.waiting,
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

// Node closes a kept-alive connection after 5 s idle; the bot's client (aiohttp) keeps one up to
// 15 s and may reuse it just as Node closes it, and that request fails ("Server disconnected";
// 15 in one 5,000-post bench run, each retried by the ledger). The client must be the one to
// close an idle connection, so the proxy waits longer than it.
server.keepAliveTimeout = 75_000;
server.headersTimeout = 76_000; // must exceed keepAliveTimeout

server.listen(port, host, () => {
  const address = server.address();
  console.log(
    `listening ${address.port} (${host}, ${perSecond} requests/s global, ` +
      `at most ${discordLimit - 1} in any second as Discord may count them)`,
  );
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
