import { Command } from 'commander';
import { undoAction } from '../../rollout/actions.ts';
import { runAction } from '../action.ts';
import { addKubeOptions, positiveIntArg } from '../flags.ts';

export function undoCommand(): Command {
  return addKubeOptions(new Command('undo'))
    .description("Roll back: the Rollout's pod template becomes that of an earlier revision (default: the previous one)")
    .argument('<name>', 'the Rollout')
    .option('--to-revision <n>', 'the revision to go back to (see the revisions in `aviary get rollout NAME`)', positiveIntArg)
    .addHelpText('after', `
The template is copied from the revision's ReplicaSet (with spec.workloadRef: into the referenced Deployment). Going
back to the stable revision during an update skips the steps, as a re-applied stable template does.

Examples:
  aviary undo web
  aviary undo web --to-revision 3`)
    .action(async (name: string, flags: { toRevision?: number }, command: Command) => {
      const toRevision = flags.toRevision === undefined ? {} : { toRevision: flags.toRevision };
      await runAction(command, name, ({ rollout, replicaSets, workload }) => undoAction(rollout, replicaSets, { ...toRevision, ...(workload === undefined ? {} : { workload }) }), {
        reads: { replicaSets: true, workload: true },
      });
    });
}
