import { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { groupOfApiVersion } from '../../api/groups.ts';
import { ApiDiscovery, type ApiResource } from '../../runtime/discovery.ts';
import { isApiError, resourcePath } from '../../runtime/rest.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { addKubeOptions, kubeFlags } from '../flags.ts';
import { apiFailure, connect, getRollout, type CliKube } from '../kube.ts';
import { readSource } from '../read-source.ts';

interface ManifestObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; generateName?: string; namespace?: string };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The objects of a multi-document manifest, `kind: List` items included; a syntax error names the line. */
export function manifestObjects(text: string, source: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    const [error] = doc.errors;
    if (error !== undefined) {
      const pos = error.linePos?.[0];
      throw new ExitError(`${source}:${pos === undefined ? '' : `${pos.line}:${pos.col}:`} ${error.message.split('\n')[0] ?? ''}`, ExitCode.usage);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) throw new ExitError(`${source}: document ${i + 1} is not a Kubernetes object`, ExitCode.usage);
    const items = value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      if (!isRecord(item) || typeof item.apiVersion !== 'string' || typeof item.kind !== 'string') {
        throw new ExitError(`${source}: document ${i + 1}: every object needs apiVersion and kind`, ExitCode.usage);
      }
      out.push(item);
    }
  }
  return out;
}

interface DiscoveredResource {
  name: string;
  namespaced: boolean;
  group: string;
}

/** The REST resource of a kind, from the API server's discovery document of its group version. */
async function resourceFor(kube: CliKube, discovery: ApiDiscovery, apiVersion: string, kind: string): Promise<DiscoveredResource> {
  let found: ApiResource | undefined;
  try {
    found = await discovery.resourceFor(apiVersion, kind);
  } catch (error) {
    throw apiFailure(kube, `discover ${apiVersion}`, error);
  }
  if (found === undefined) throw new ExitError(`the API server does not serve ${kind} in ${apiVersion} (are its CRDs installed? \`aviary install\`)`, ExitCode.notFound);
  return { name: found.name, namespaced: found.namespaced, group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '' };
}

export function createCommand(): Command {
  return addKubeOptions(new Command('create'))
    .description('Create the objects of a manifest (Rollouts, AnalysisTemplates, Services, ...); -w then watches the Rollout')
    .requiredOption('-f, --filename <file>', 'manifest file ("-" reads stdin)')
    .option('-w, --watch', 'after creating, watch the (first) Rollout as `get rollout -w` does')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addHelpText('after', `
Objects that already exist are reported and skipped (exit code 1): create is for new objects, kubectl apply changes
existing ones.

Examples:
  aviary create -f examples/canary/rollout.yaml
  aviary create -f rollout.yaml -w -n shop`)
    .action(async (flags: { filename: string; watch?: boolean; color: boolean }, command: Command) => {
      const source = flags.filename === '-' ? 'stdin' : flags.filename;
      const objects = manifestObjects(await readSource(flags.filename), source);
      if (objects.length === 0) throw new ExitError(`${source}: no objects to create`, ExitCode.usage);
      const kube = connect(kubeFlags(command));
      const discovery = new ApiDiscovery(kube.client);
      let failed = 0;
      let firstRollout: string | undefined;
      for (const obj of objects) {
        const apiVersion = obj.apiVersion ?? '';
        const kind = obj.kind ?? '';
        const resource = await resourceFor(kube, discovery, apiVersion, kind);
        const namespace = resource.namespaced ? (obj.metadata?.namespace ?? kube.namespace) : undefined;
        const body = resource.namespaced ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
        const label = `${kind.toLowerCase()}${resource.group === '' ? '' : `.${resource.group}`}`;
        try {
          const created = await kube.client.create<ManifestObject>(resourcePath(apiVersion, resource.name, namespace), body);
          const name = created.metadata?.name ?? '';
          process.stdout.write(`${label}/${name} created\n`);
          if (kind === 'Rollout' && groupOfApiVersion(apiVersion) !== undefined && firstRollout === undefined && namespace === kube.namespace) firstRollout = name;
        } catch (error) {
          failed++;
          const name = obj.metadata?.name ?? obj.metadata?.generateName ?? '';
          if (isApiError(error, 409)) process.stderr.write(`error: ${label}/${name} already exists${namespace === undefined ? '' : ` in namespace ${namespace}`} (kubectl apply changes existing objects)\n`);
          else process.stderr.write(`error: ${apiFailure(kube, `create ${label}/${name}`, error).message}\n`);
        }
      }
      if (failed > 0) {
        kube.client.close();
        throw new ExitError(`${failed} of ${objects.length} object${objects.length === 1 ? '' : 's'} not created`, ExitCode.failed);
      }
      if (flags.watch === true) {
        if (firstRollout === undefined) throw new ExitError(`${source}: -w watches a Rollout, and the file created none in namespace ${kube.namespace}`, ExitCode.usage);
        const { watchRollout } = await import('./get.ts');
        process.exitCode = await watchRollout(kube, await getRollout(kube, firstRollout), !flags.color);
        return;
      }
      kube.client.close();
    });
}
