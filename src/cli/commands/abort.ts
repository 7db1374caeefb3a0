import { Command } from 'commander';
import { abortAction } from '../../rollout/actions.ts';
import { runActionOnEach } from '../action.ts';
import { addKubeOptions } from '../flags.ts';

export function abortCommand(): Command {
  return addKubeOptions(new Command('abort'))
    .description('Abort the update in progress: traffic and pods go back to the stable version (status.abort=true)')
    .argument('<names...>', 'the Rollout(s)')
    .addHelpText('after', `
spec.template still holds the new version: \`aviary retry rollout NAME\` starts the update again from its first step;
\`aviary undo NAME\` (or applying the previous template) makes the rollback final.

Example:
  aviary abort web`)
    .action(async (names: string[], _flags: unknown, command: Command) => {
      await runActionOnEach(command, names, ({ rollout }) => abortAction(rollout), { waitObservedMs: 5000 });
    });
}
