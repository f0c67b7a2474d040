// The peer Rail is measured against (`cargo xtask bench-peer`): a Socket.IO v4 server
// doing the room fan-out a Socket.IO KDS server does and Rail's hub does. A POS posts an
// order over HTTP; the order is split into one ticket per station and each ticket is
// emitted to the room `kds:<station>`, which screens join with a `subscribe` event.
//
// Given its documented best: WebSocket transport only, no per-message compression,
// the native bufferutil/utf-8-validate addons. Orders are kept in memory only (no
// database, nothing survives a restart); Rail commits each one to SQLite (WAL) before
// it answers, so the comparison favours this peer.
//
// Usage: PEER_TOKEN=secret node server.mjs   (prints "peer listening on http://…")

import { createServer } from "node:http";
import { Server } from "socket.io";

const token = process.env.PEER_TOKEN ?? "peer-secret";
const port = Number(process.env.PORT ?? 0);
const tickets = new Map();
let nextOrder = 1;

function reply(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function createOrder(order) {
  if (typeof order?.number !== "string" || !Array.isArray(order.items) || order.items.length === 0) {
    return null;
  }
  const orderId = String(nextOrder++);
  const byStation = new Map();
  order.items.forEach((item, index) => {
    const station = item.station ?? "grill";
    const items = byStation.get(station) ?? [];
    items.push({ id: String(index + 1), name: item.name, qty: item.qty ?? 1, modifiers: item.modifiers ?? [] });
    byStation.set(station, items);
  });
  const created = [];
  for (const [station, items] of byStation) {
    const ticket = {
      id: `${orderId}:${station}`,
      orderId,
      orderNumber: order.number,
      station,
      table: order.table ?? null,
      createdAtMs: Date.now(),
      status: "open",
      version: 1,
      items,
    };
    tickets.set(ticket.id, ticket);
    io.to(`kds:${station}`).emit("kds:ticket-new", { ticket, by: null });
    created.push(ticket);
  }
  return { orderId, tickets: created };
}

const http = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.end("ok");
    return;
  }
  if (req.method !== "POST" || req.url !== "/api/orders") {
    reply(res, 404, { title: "not found" });
    return;
  }
  if (req.headers.authorization !== `Bearer ${token}`) {
    reply(res, 401, { title: "unauthorized" });
    return;
  }
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    let order;
    try {
      order = JSON.parse(body);
    } catch {
      reply(res, 400, { title: "malformed JSON" });
      return;
    }
    const created = createOrder(order);
    if (created) reply(res, 201, created);
    else reply(res, 422, { title: "an order needs a number and items" });
  });
});

const io = new Server(http, {
  transports: ["websocket"],
  serveClient: false,
  perMessageDeflate: false,
});

io.use((socket, next) => {
  if (socket.handshake.auth?.token === token) next();
  else next(new Error("unauthorized"));
});

io.on("connection", (socket) => {
  socket.on("subscribe", (channel, ack) => {
    if (typeof channel !== "string" || !channel.startsWith("kds:")) {
      if (typeof ack === "function") ack({ error: "unknown channel" });
      return;
    }
    socket.join(channel);
    if (typeof ack === "function") ack({ channel });
  });
});

http.listen(port, "127.0.0.1", () => {
  console.log(`peer listening on http://127.0.0.1:${http.address().port}`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => io.close(() => process.exit(0)));
}
