// One entry per page (src/pages/*.tsx); Django renders each page's shell and django-vite
// puts the entry's script and CSS in it, reading dist/manifest.json.
import { readdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// VITE_PAGES=gallery,jobs builds only those pages; FRONTEND_DIST puts the build elsewhere
// (Django reads the same variable).
// (import.meta.dirname needs Node 20.11; Debian 12 has Node 18)
const here = dirname(fileURLToPath(import.meta.url));
const only = process.env.VITE_PAGES?.split(",").filter(Boolean);
const pages = Object.fromEntries(
  readdirSync(resolve(here, "src/pages"))
    .filter((name: string) => name.endsWith(".tsx") && !name.includes(".test."))
    .filter((name: string) => !only || only.includes(name.replace(/\.tsx$/, "")))
    .map((name: string) => [name.replace(/\.tsx$/, ""), resolve(here, "src/pages", name)]),
);

export default defineConfig({
  plugins: [react()],
  base: "/static/",
  build: {
    outDir: process.env.FRONTEND_DIST ?? "dist",
    emptyOutDir: true,
    manifest: "manifest.json",
    sourcemap: true,
    rollupOptions: { input: pages },
  },
  server: { origin: "http://127.0.0.1:5173" },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
