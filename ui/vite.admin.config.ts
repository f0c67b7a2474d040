import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The hub's admin page: built into ../dist-admin, which rail-hub embeds and serves at
// /admin (crates/rail-hub/src/admin/page.rs).
export default defineConfig({
  root: "admin",
  base: "/admin/",
  plugins: [svelte()],
  clearScreen: false,
  build: { target: "es2022", outDir: "../dist-admin", emptyOutDir: true },
});
