import { Command } from 'commander';
import { restartAction } from '../../rollout/actions.ts';
import { formatDuration } from '../../util/duration.ts';
import { runAction } from '../action.ts';
import { addKubeOptions, durationArg } from '../flags.ts';

export function restartCommand(): Command {
  return addKubeOptions(new Command('restart'))
    .description('Restart the pods of a Rollout, a few at a time (spec.restartAt)')
    .argument('<name>', 'the Rollout')
    .option('-i, --in <duration>', 'restart after this long (e.g. 30s, 5m, 1h)', durationArg)
    .addHelpText('after', `
Every pod created before the restart time is replaced, at most maxUnavailable at a time.

Examples:
  aviary restart web
  aviary restart web --in 10m`)
    .action(async (name: string, flags: { in?: number }, command: Command) => {
      const delay = flags.in ?? 0;
      await runAction(command, name, ({ rollout }) => restartAction(rollout, new Date(Date.now() + delay), delay === 0 ? '0s' : formatDuration(delay)));
    });
}
