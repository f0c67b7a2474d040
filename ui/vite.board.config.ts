import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The pickup board: built into ../dist-board, which rail-hub embeds and serves at
// /board (crates/rail-hub/src/pages.rs).
export default defineConfig({
  root: "board",
  base: "/board/",
  plugins: [svelte()],
  clearScreen: false,
  build: { target: "es2020", outDir: "../dist-board", emptyOutDir: true },
});
