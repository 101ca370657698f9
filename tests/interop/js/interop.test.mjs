// The official JS client (@azure/web-pubsub-client) against webpubsub-emulator.
// scripts/test/20-interop.sh starts the emulator and exports WPS_ENDPOINT.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebPubSubClient } from "@azure/web-pubsub-client";

const ENDPOINT = process.env.WPS_ENDPOINT;
if (!ENDPOINT) throw new Error("WPS_ENDPOINT is not set: run through scripts/test/20-interop.sh");
const HUB = "jsclient";
const ROLES = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];

async function control(method, path, body, contentType) {
  const res = await fetch(`${ENDPOINT}/_emulator${path}`, {
    method,
    body,
    headers: contentType ? { "Content-Type": contentType } : {},
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> HTTP ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function clientUrl(user, roles = ROLES) {
  const q = new URLSearchParams([["hub", HUB], ["userId", user], ...roles.map((r) => ["role", r])]);
  return (await control("GET", `/client-access-url?${q}`)).url;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(predicate, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await predicate();
    if (v) return v;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A queue of events of one kind, with a timed `next()`. */
function recorder(client, event) {
  const items = [];
  const waiters = [];
  client.on(event, (e) => {
    const w = waiters.shift();
    if (w) w(e);
    else items.push(e);
  });
  return {
    items,
    next(timeoutMs = 10000) {
      if (items.length) return Promise.resolve(items.shift());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((e) => {
          clearTimeout(t);
          resolve(e);
        });
      });
    },
  };
}

async function stop(client) {
  const stopped = new Promise((r) => client.on("stopped", r));
  client.stop();
  await Promise.race([stopped, sleep(5000)]);
}

function newClient(user) {
  // A credential callback, called on start and on every reconnect.
  return new WebPubSubClient({ getClientAccessUrl: () => clientUrl(user) });
}

test("connect, join, send, receive, events", async () => {
  const client = newClient("alice");
  const connected = recorder(client, "connected");
  const messages = recorder(client, "group-message");
  await client.start();
  try {
    const c = await connected.next();
    assert.equal(c.userId, "alice");
    await client.joinGroup("room");
    await client.sendToGroup("room", "hello", "text");
    let m = (await messages.next()).message;
    assert.deepEqual([m.group, m.data, m.fromUserId, m.dataType, m.sequenceId], ["room", "hello", "alice", "text", 1]);
    await client.sendToGroup("room", { n: [1, 2] }, "json");
    assert.deepEqual((await messages.next()).message.data, { n: [1, 2] });
    await client.sendToGroup("room", new Uint8Array([1, 2, 3]).buffer, "binary");
    assert.deepEqual([...new Uint8Array((await messages.next()).message.data)], [1, 2, 3]);
    await client.sendToGroup("room", "not to me", "text", { noEcho: true });
    await sleep(300);
    assert.equal(messages.items.length, 0, "noEcho honoured");
    const r = await client.sendEvent("greet", { hi: true }, "json");
    assert.equal(r.isDuplicated, false);
    const events = await control("GET", `/events?hub=${HUB}`);
    assert.ok(events.some((e) => e.connectionId === c.connectionId && e.event === "greet" && e.data.hi === true), JSON.stringify(events));
  } finally {
    await stop(client);
  }
});

test("500 numbered messages exactly once and in order across abrupt drops", async () => {
  const client = newClient("bob");
  const connected = recorder(client, "connected");
  const received = [];
  client.on("group-message", (e) => received.push(Number(e.message.data)));
  await client.start();
  try {
    const { connectionId } = await connected.next();
    await client.joinGroup("numbers");
    let drops = 0;
    for (let n = 1; n <= 500; n++) {
      await control("POST", `/hubs/${HUB}/groups/numbers/message`, String(n), "text/plain");
      if (n % 80 === 0) {
        await waitFor(async () => (await control("GET", `/connections/${connectionId}`)).attached, "reattach");
        assert.equal((await control("POST", `/connections/${connectionId}/drop`)).dropped, true);
        drops++;
      }
      await sleep(4);
    }
    assert.ok(drops >= 5);
    await waitFor(() => received.length >= 500, `500 messages (have ${received.length})`, 60000);
    await sleep(500);
    assert.deepEqual(received, Array.from({ length: 500 }, (_, i) => i + 1));
    assert.equal(connected.items.length, 0, "recovery raised no second connected event");
    assert.equal((await control("GET", `/connections/${connectionId}`)).attached, true);
  } finally {
    await stop(client);
  }
});

test("a refused recovery falls back to a new connection that rejoins its groups", async () => {
  const client = newClient("carol");
  const connected = recorder(client, "connected");
  const messages = recorder(client, "group-message");
  await client.start();
  try {
    const first = (await connected.next()).connectionId;
    await client.joinGroup("again");
    await control("POST", "/refuse-recoveries?count=1");
    await control("POST", `/connections/${first}/drop`);
    const second = (await connected.next(20000)).connectionId;
    assert.notEqual(second, first);
    await waitFor(async () => {
      const info = await control("GET", `/connections/${second}`).catch(() => null);
      return info && info.groups.includes("again");
    }, "auto-rejoin");
    await control("POST", `/hubs/${HUB}/groups/again/message`, "back", "text/plain");
    assert.equal((await messages.next()).message.data, "back");
  } finally {
    await stop(client);
  }
});

test("a service close with a reason is reported and is not recovered", async () => {
  const client = newClient("dave");
  const connected = recorder(client, "connected");
  const disconnected = recorder(client, "disconnected");
  await client.start();
  try {
    const { connectionId } = await connected.next();
    await control("POST", `/connections/${connectionId}/close?code=1008&reason=policy%20test`);
    const d = await disconnected.next();
    assert.equal(d.message?.message ?? d.message, "policy test");
    // 1008 means no recovery: the client reconnects as a new connection instead.
    const again = await connected.next(20000);
    assert.notEqual(again.connectionId, connectionId);
  } finally {
    await stop(client);
  }
});
