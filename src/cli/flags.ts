/**
 * Flags shared by the Rollout commands: which cluster (--kubeconfig, --context), which namespace (-n, -A), which
 * API group (--group), and how to print (-o, --no-color). They are accepted before the command name as well
 * (`aviary -n prod get rollout web`, as `kubectl aviary -n prod ...` passes them) and after it; after wins.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../util/duration.ts';
import type { KubeFlags } from './kube.ts';

export function addKubeOptions(command: Command): Command {
  return command
    .option('-n, --namespace <namespace>', "namespace (default: the kubeconfig context's, else default)")
    .option('--context <name>', 'kubeconfig context to use')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--group <group>', 'API group of Rollouts: aviary.dev, argoproj.io, or auto (both, aviary.dev first)');
}

/** -o with the formats a command supports. */
export function outputOption(formats: readonly string[]): Option {
  return new Option('-o, --output <format>', 'output format').choices([...formats]);
}

/** The kube flags of a command merged with those given before the command name. */
export function kubeFlags(command: Command): KubeFlags & Record<string, unknown> {
  let root: Command = command;
  const chain: Command[] = [command];
  while (root.parent !== null) {
    root = root.parent;
    chain.unshift(root);
  }
  const merged: Record<string, unknown> = {};
  for (const c of chain) for (const [k, v] of Object.entries(c.opts())) if (v !== undefined) merged[k] = v;
  return merged;
}

/** A commander parser for durations: "30s", "5m", "1h30m", or seconds. */
export function durationArg(value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidArgumentError('expected a duration such as 30s, 5m, 1h30m (or a number of seconds)');
  }
}

/** A commander parser for whole numbers ≥ 1. */
export function positiveIntArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}
