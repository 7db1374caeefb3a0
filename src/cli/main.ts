#!/usr/bin/env node
/**
 * The `aviary` (and `kubectl-aviary`) entry point. Start-up time is part of the interface — `aviary get rollout` is
 * typed many times a day — so this file only enables Node's compile cache and loads the program; the program loads
 * the one command that runs (see program.ts).
 */
import { enableCompileCache } from 'node:module';

// Reuses compiled code across runs (in the OS temp directory, or NODE_COMPILE_CACHE); a no-op where unsupported.
enableCompileCache();

const { runCli } = await import('./program.ts');
process.exitCode = await runCli(process.argv);
