// A socket.io-client v4 app as the platform writes them: `io(url, { auth })`, join
// rooms, listen to events by name. It follows Rail's hub through the Socket.IO door,
// keeps where it stands in each channel (in the `auth` function socket.io-client asks
// on every reconnection, so the hub resumes it), and prints what happens as JSON
// lines for tests/tests/socketio.rs to read.
//
// node follow.mjs <hub url> <token> <channel>[,<channel>…]
import { io } from "socket.io-client";

const [url, token, channelList] = process.argv.slice(2);
const channels = (channelList ?? "").split(",").filter(Boolean);
/** channel → { epoch, seq }: the last event applied. */
const cursors = {};
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");

const socket = io(url, {
  transports: ["websocket"],
  reconnectionDelay: 200,
  reconnectionDelayMax: 1000,
  auth: (give) => give({ token, since: { ...cursors } }),
});

socket.on("connect", async () => {
  say({ event: "connect" });
  for (const channel of channels) {
    // A channel followed before is joined again by the hub from its cursor.
    if (cursors[channel]) continue;
    const answer = await socket.emitWithAck("join", { channel });
    say({ event: "join", channel, answer });
  }
});
socket.on("connect_error", (error) => say({ event: "connect_error", message: error.message }));
socket.on("disconnect", (reason) => say({ event: "disconnect", reason }));
socket.on("rail:subscribed", (start) => {
  cursors[start.channel] = { epoch: start.epoch, seq: start.seq };
  say({ event: "rail:subscribed", channel: start.channel, seq: start.seq, recovery: start.recovery });
});
socket.on("rail:error", (error) => say({ event: "rail:error", error }));
socket.onAny((name, data, meta) => {
  if (name.startsWith("rail:")) return;
  const cursor = cursors[meta?.channel];
  if (cursor) cursor.seq = meta.seq;
  say({ event: name, channel: meta?.channel, seq: meta?.seq, data });
});

// Commands on stdin: `join <channel>`, `leave <channel>`, `quit`.
process.stdin.setEncoding("utf8");
let buffered = "";
process.stdin.on("data", async (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const [command, channel] = buffered.slice(0, newline).trim().split(/\s+/);
    buffered = buffered.slice(newline + 1);
    if (command === "quit") process.exit(0);
    if (command === "join" || command === "leave") {
      const answer = await socket.emitWithAck(command, { channel });
      say({ event: command, channel, answer });
    }
  }
});
process.stdin.on("end", () => process.exit(0));
