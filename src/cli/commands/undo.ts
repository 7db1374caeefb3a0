import type { V1ReplicaSet } from '@kubernetes/client-node';
import { Command } from 'commander';
import { undoAction } from '../../rollout/actions.ts';
import { isApiError, resourcePath } from '../../runtime/rest.ts';
import { runAction, workloadOf } from '../action.ts';
import { addKubeOptions, positiveIntArg } from '../flags.ts';
import { apiFailure, selectorText } from '../kube.ts';

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
      await runAction(command, name, async ({ rollout }, kube) => {
        const selector = selectorText(rollout);
        let items: V1ReplicaSet[];
        try {
          items = (await kube.client.get<{ items?: V1ReplicaSet[] }>(resourcePath('apps/v1', 'replicasets', kube.namespace), selector === undefined ? undefined : { labelSelector: selector })).items ?? [];
        } catch (error) {
          if (!isApiError(error, 404)) throw apiFailure(kube, 'list replicasets', error);
          items = [];
        }
        const workload = await workloadOf(kube, rollout);
        return undoAction(rollout, items, { ...(flags.toRevision === undefined ? {} : { toRevision: flags.toRevision }), ...(workload === undefined ? {} : { workload }) });
      });
    });
}
