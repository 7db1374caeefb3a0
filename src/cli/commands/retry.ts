import { Command } from 'commander';
import { retryCanaryAction } from '../../canary/manual.ts';
import { retryAction } from '../../rollout/actions.ts';
import { kindWord, runTargetActionOnEach } from '../action.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { addKubeOptions } from '../flags.ts';

export function retryCommand(): Command {
  return addKubeOptions(new Command('retry'))
    .description('Retry an aborted Rollout (status.abort=false) or a failed Canary: the update starts again from its first step')
    .argument('<args...>', '[rollout|canary] NAME...: the kind word is optional, as in `kubectl argo rollouts retry rollout NAME`; canary/NAME works too')
    .addHelpText('after', `
A failed Canary runs the same release again, without a change to its template (aviary.dev/retry).

Examples:
  aviary retry rollout web
  aviary retry web
  aviary retry canary podinfo`)
    .action(async (args: string[], _flags: unknown, command: Command) => {
      const [first = '', ...rest] = args;
      if (first === 'experiment' || first === 'experiments' || first === 'exp') throw new ExitError('retry experiment: Experiments are not supported yet', ExitCode.usage);
      const kind = kindWord(first);
      const targets = kind === undefined ? args : rest;
      if (targets.length === 0) throw new ExitError('retry: name the Rollout or Canary to retry', ExitCode.usage);
      await runTargetActionOnEach(command, targets, { rollout: ({ rollout }) => retryAction(rollout), canary: retryCanaryAction }, {}, kind);
    });
}
