import { mount } from "svelte";
import AdminApp from "./AdminApp.svelte";
import "./admin.css";

const target = document.getElementById("admin");
if (!target) throw new Error("index.html has no #admin element");
mount(AdminApp, { target });
