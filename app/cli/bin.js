#!/usr/bin/env node
// Package bin `kudos`: runs the TypeScript CLI through tsx's loader, from the project root.
import { fileURLToPath } from "node:url";
import path from "node:path";
import { register } from "tsx/esm/api";

process.chdir(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.."));
register({ tsconfig: "./tsconfig.json" });
await import("./main.ts");
