import { Command } from 'commander';
import { abortCanaryAction } from '../../canary/manual.ts';
import { abortAction } from '../../rollout/actions.ts';
import { runTargetActionOnEach } from '../action.ts';
import { addKubeOptions } from '../flags.ts';

export function abortCommand(): Command {
  return addKubeOptions(new Command('abort'))
    .description('Abort the update in progress: traffic and pods go back to the stable version (status.abort=true)')
    .argument('<targets...>', 'the Rollout(s) (NAME or rollout/NAME) or Canaries (canary/NAME)')
    .addHelpText('after', `
spec.template still holds the new version: \`aviary retry rollout NAME\` starts the update again from its first step;
\`aviary undo NAME\` (or applying the previous template) makes the rollback final.

On a Canary it annotates aviary.dev/abort: the release rolls back now (traffic to the primary, the canary scaled to
zero, phase Failed); \`aviary retry canary/NAME\` runs it again.

Examples:
  aviary abort web
  aviary abort canary/podinfo`)
    .action(async (targets: string[], _flags: unknown, command: Command) => {
      await runTargetActionOnEach(command, targets, { rollout: ({ rollout }) => abortAction(rollout), canary: abortCanaryAction }, { waitObservedMs: 5000 });
    });
}
