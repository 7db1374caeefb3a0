import { Command } from 'commander';
import { promoteAction } from '../../rollout/actions.ts';
import { promoteCanaryAction } from '../../canary/manual.ts';
import { runTargetAction } from '../action.ts';
import { addKubeOptions } from '../flags.ts';

export function promoteCommand(): Command {
  return addKubeOptions(new Command('promote'))
    .description('Promote a Rollout or a Canary: end the pause it waits in (or skip the step it is on); --full skips all remaining steps')
    .argument('<target>', 'the Rollout (NAME or rollout/NAME) or the Canary (canary/NAME, or NAME when no Rollout has it)')
    .option('--full', 'skip every remaining step, pause and analysis and go to the new version now (status.promoteFull)')
    .addHelpText('after', `
What it writes (as kubectl-argo-rollouts does): status.pauseConditions cleared, and spec.paused=false when set; with no
pause condition, a canary's status.currentStepIndex + 1. --full sets status.promoteFull (and lifts spec.paused).
It refuses, with the reason, when there is nothing to promote (a Healthy rollout, an aborted one, a blue-green
rollout before its pause).

On a Canary (docs/canary.md, manual control) it annotates aviary.dev/promote: the analysis, or the confirm-rollout,
confirm-traffic-increase or confirm-promotion gate the release waits for, counts as passed once; --full goes to
promotion now. It also lifts a pause (aviary.dev/paused).

Examples:
  aviary promote web
  aviary promote web --full
  aviary promote canary/podinfo`)
    .action(async (target: string, flags: { full?: boolean }, command: Command) => {
      const full = flags.full === true;
      await runTargetAction(command, target, { rollout: ({ rollout }) => promoteAction(rollout, { full }), canary: (canary) => promoteCanaryAction(canary, { full }) }, { waitObservedMs: 5000 });
    });
}
