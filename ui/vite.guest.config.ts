import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The guest page: built into ../dist-guest, which rail-hub embeds and serves at
// /o/<code> (crates/rail-hub/src/guest/page.rs).
export default defineConfig({
  root: "guest",
  base: "/o/",
  plugins: [svelte()],
  clearScreen: false,
  build: { target: "es2020", outDir: "../dist-guest", emptyOutDir: true },
});
