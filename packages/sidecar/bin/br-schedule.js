#!/usr/bin/env node
// A committed launcher, so the `br-schedule` link that pnpm makes at install time points at a file
// that exists before the first build.
await import('../dist/cli.js');
