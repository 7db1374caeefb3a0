import { Command } from 'commander';
import { promoteAction } from '../../rollout/actions.ts';
import { runAction } from '../action.ts';
import { addKubeOptions } from '../flags.ts';

export function promoteCommand(): Command {
  return addKubeOptions(new Command('promote'))
    .description('Promote a Rollout: end the pause it waits in (or skip the canary step it is on); --full skips all remaining steps')
    .argument('<name>', 'the Rollout')
    .option('--full', 'skip every remaining step, pause and analysis and go to the new version now (status.promoteFull)')
    .addHelpText('after', `
What it writes (as kubectl-argo-rollouts does): status.pauseConditions cleared, and spec.paused=false when set; with no
pause condition, a canary's status.currentStepIndex + 1. --full sets status.promoteFull (and lifts spec.paused).
It refuses, with the reason, when there is nothing to promote (a Healthy rollout, an aborted one, a blue-green
rollout before its pause).

Examples:
  aviary promote web
  aviary promote web --full`)
    .action(async (name: string, flags: { full?: boolean }, command: Command) => {
      await runAction(command, name, ({ rollout }) => promoteAction(rollout, { full: flags.full === true }), { waitObservedMs: 5000 });
    });
}
