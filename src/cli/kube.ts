/**
 * The cluster as the Rollout commands see it: a connection from the kubeconfig flags, the namespace, and the API
 * group(s) Rollouts are looked up in. Built on the runtime's light REST client and kubeconfig reader, never on
 * @kubernetes/client-node, whose import alone costs more than the start-up budget of `aviary get rollout`.
 *
 * Groups: unless `--group` names one, a Rollout is looked up in every group Aviary serves, aviary.dev first
 * (src/rollout/ref.ts), and lists show them all.
 */
import { apiGroups, apiVersionOf, type ApiGroup } from '../api/groups.ts';
import type { Rollout } from '../api/rollout.ts';
import { findRollout, rolloutNotFoundMessage, type FoundRollout } from '../rollout/ref.ts';
import { loadKubeConnection } from '../runtime/kubeconfig.ts';
import { isApiError, KubeClient, resourcePath, type ApiErrorLike } from '../runtime/rest.ts';
import { ExitError, ExitCode } from '../util/exit-codes.ts';

export interface KubeFlags {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  group?: string;
}

export interface CliKube {
  client: KubeClient;
  /** --namespace, else the context's namespace, else "default". */
  namespace: string;
  /** The groups to look Rollouts up in, in order. */
  groups: readonly ApiGroup[];
  /** Where the API server is, for error messages. */
  server: string;
}

/** The groups `--group` allows: a group name, or `auto` (every group Aviary serves, its own first). */
export function rolloutGroups(flag: string | undefined): readonly ApiGroup[] {
  if (flag === undefined || flag === 'auto') return apiGroups;
  const group = apiGroups.find((g) => g.name === flag);
  if (group === undefined) throw new ExitError(`--group must be auto or one of ${apiGroups.map((g) => g.name).join(', ')}, got "${flag}"`, ExitCode.usage);
  return [group];
}

export function connect(flags: KubeFlags): CliKube {
  const groups = rolloutGroups(flags.group);
  // A KubeconfigError is an ExitError (usage) whose message already says what to do.
  const connection = loadKubeConnection({ kubeconfig: flags.kubeconfig, context: flags.context });
  const namespace = flags.namespace ?? connection.namespace;
  return { client: new KubeClient(connection, { userAgent: 'aviary-cli', requestTimeoutMs: 15_000 }), namespace, groups, server: connection.server };
}

/** A failure to talk to the API server, as an ExitError that says what was asked and what went wrong. */
export function apiFailure(kube: CliKube, what: string, error: unknown): ExitError {
  if (error instanceof ExitError) return error;
  if (isApiError(error)) {
    const status = (error as ApiErrorLike & { body?: { message?: string } }).body?.message ?? error.message;
    if (error.code === 401) return new ExitError(`${what}: the API server at ${kube.server} did not accept the credentials (401): ${status}`, ExitCode.failed, { cause: error });
    if (error.code === 403) return new ExitError(`${what}: forbidden: ${status}`, ExitCode.failed, { cause: error });
    if (error.code === 404) return new ExitError(`${what}: not found: ${status}`, ExitCode.notFound, { cause: error });
    return new ExitError(`${what}: ${error.message}`, ExitCode.failed, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(code)) {
    return new ExitError(`${what}: cannot reach the API server at ${kube.server} (${code}); is the cluster running? (\`aviary cluster status\`)`, ExitCode.failed, { cause: error });
  }
  return new ExitError(`${what}: ${error instanceof Error ? error.message : String(error)}`, ExitCode.failed, { cause: error });
}

/** Reads a Rollout from the first group that has it; a Rollout in none of them is a ExitError with exit code 4. */
export async function getRollout(kube: CliKube, name: string, signal?: AbortSignal): Promise<FoundRollout> {
  let found: FoundRollout | undefined;
  try {
    found = await findRollout(kube.client, { namespace: kube.namespace, name, groups: kube.groups }, signal);
  } catch (error) {
    throw apiFailure(kube, `get rollout ${name}`, error);
  }
  if (found === undefined) throw notFound(kube, name);
  return found;
}

function notFound(kube: CliKube, name: string): ExitError {
  return new ExitError(rolloutNotFoundMessage({ namespace: kube.namespace, name, groups: kube.groups }), ExitCode.notFound);
}

export interface RolloutList {
  items: { rollout: Rollout; group: ApiGroup }[];
  /** Groups whose Rollout resource the API server serves. */
  served: ApiGroup[];
}

/** Lists Rollouts of every group (one namespace, or all with `namespace` undefined); unserved groups are skipped. */
export async function listRollouts(kube: CliKube, namespace: string | undefined): Promise<RolloutList> {
  const out: RolloutList = { items: [], served: [] };
  for (const group of kube.groups) {
    try {
      const list = await kube.client.get<{ items?: Rollout[] }>(resourcePath(apiVersionOf(group), 'rollouts', namespace));
      out.served.push(group);
      for (const rollout of list.items ?? []) out.items.push({ rollout: { ...rollout, apiVersion: rollout.apiVersion ?? apiVersionOf(group), kind: 'Rollout' }, group });
    } catch (error) {
      if (isApiError(error, 404)) continue;
      throw apiFailure(kube, 'list rollouts', error);
    }
  }
  if (out.served.length === 0) {
    throw new ExitError(`the API server at ${kube.server} serves no Rollout resource (looked in ${kube.groups.map((g) => g.name).join(', ')}): install the CRDs with \`aviary install\``, ExitCode.notFound);
  }
  return out;
}
