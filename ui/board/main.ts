import { mount } from "svelte";
import BoardApp from "./BoardApp.svelte";
import "./board.css";

const target = document.getElementById("board");
if (!target) throw new Error("index.html has no #board element");
// The token rides in the fragment (never sent to the server, never in its logs).
const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
mount(BoardApp, { target, props: { token, search: location.search } });
