import { Command } from 'commander';
import { retryAction } from '../../rollout/actions.ts';
import { runActionOnEach } from '../action.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { addKubeOptions } from '../flags.ts';

const rolloutWords = new Set(['rollout', 'rollouts', 'ro']);

export function retryCommand(): Command {
  return addKubeOptions(new Command('retry'))
    .description('Retry an aborted Rollout: the update starts again from its first step (status.abort=false)')
    .argument('<args...>', '[rollout] NAME...: the kind word is optional, as in `kubectl argo rollouts retry rollout NAME`')
    .addHelpText('after', `
Examples:
  aviary retry rollout web
  aviary retry web`)
    .action(async (args: string[], _flags: unknown, command: Command) => {
      const [first = '', ...rest] = args;
      if (first === 'experiment' || first === 'experiments' || first === 'exp') throw new ExitError('retry experiment: Experiments are not supported yet', ExitCode.usage);
      const names = rolloutWords.has(first) ? rest : args;
      if (names.length === 0) throw new ExitError('retry: name the Rollout to retry', ExitCode.usage);
      await runActionOnEach(command, names, ({ rollout }) => retryAction(rollout));
    });
}
