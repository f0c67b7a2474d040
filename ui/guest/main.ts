import { mount } from "svelte";
import GuestApp from "./GuestApp.svelte";
import "./guest.css";

const target = document.getElementById("guest");
if (!target) throw new Error("index.html has no #guest element");
// The code is the last part of the address: /o/<code>.
const code = location.pathname.split("/").filter(Boolean).pop() ?? "";
mount(GuestApp, { target, props: { code } });
