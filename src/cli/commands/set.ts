import { Command } from 'commander';
import { parseImageAssignment, setImageAction } from '../../rollout/actions.ts';
import { runAction } from '../action.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { addKubeOptions } from '../flags.ts';

export function setCommand(): Command {
  const set = new Command('set').description('Change a Rollout');
  set.addCommand(addKubeOptions(new Command('image'))
    .description('Set the image of a container of the Rollout (CONTAINER=IMAGE; *=IMAGE sets every container)')
    .argument('<name>', 'the Rollout')
    .argument('<container=image>', 'e.g. app=registry.example/app:2, or *=registry.example/app:2')
    .addHelpText('after', `
Init and ephemeral containers count too. With spec.workloadRef the referenced Deployment's template is changed.

Examples:
  aviary set image web app=registry.example/app:2
  aviary set image web '*=registry.example/app:2'`)
    .action(async (name: string, assignment: string, _flags: unknown, command: Command) => {
      const parsed = parseImageAssignment(assignment);
      if (parsed === undefined) throw new ExitError(`set image: expected CONTAINER=IMAGE (or *=IMAGE), got "${assignment}"`, ExitCode.usage);
      await runAction(command, name, ({ rollout, workload }) => setImageAction(rollout, parsed.container, parsed.image, workload), { reads: { workload: true } });
    }));
  return set;
}
