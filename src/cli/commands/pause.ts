import { Command } from 'commander';
import { pauseAction } from '../../rollout/actions.ts';
import { runActionOnEach } from '../action.ts';
import { addKubeOptions } from '../flags.ts';

export function pauseCommand(): Command {
  return addKubeOptions(new Command('pause'))
    .description('Pause a Rollout where it is (spec.paused=true) until it is promoted')
    .argument('<names...>', 'the Rollout(s)')
    .addHelpText('after', `
Example:
  aviary pause web        # later: aviary promote web`)
    .action(async (names: string[], _flags: unknown, command: Command) => {
      await runActionOnEach(command, names, ({ rollout }) => pauseAction(rollout));
    });
}
