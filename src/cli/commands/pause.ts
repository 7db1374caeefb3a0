import { Command } from 'commander';
import { pauseCanaryAction } from '../../canary/manual.ts';
import { pauseAction } from '../../rollout/actions.ts';
import { runTargetActionOnEach } from '../action.ts';
import { addKubeOptions } from '../flags.ts';

export function pauseCommand(): Command {
  return addKubeOptions(new Command('pause'))
    .description('Pause a Rollout (spec.paused=true) or a Canary (aviary.dev/paused) where it is, until it is promoted')
    .argument('<targets...>', 'the Rollout(s) (NAME or rollout/NAME) or Canaries (canary/NAME)')
    .addHelpText('after', `
A paused Canary takes no step, runs no analysis and starts no new release; \`abort\` still rolls it back.

Examples:
  aviary pause web        # later: aviary promote web
  aviary pause canary/podinfo`)
    .action(async (targets: string[], _flags: unknown, command: Command) => {
      await runTargetActionOnEach(command, targets, { rollout: ({ rollout }) => pauseAction(rollout), canary: pauseCanaryAction });
    });
}
