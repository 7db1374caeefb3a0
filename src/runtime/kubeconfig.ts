/**
 * Where the API server is and how to authenticate to it, read from a kubeconfig or the in-cluster service account.
 *
 * Why Aviary reads kubeconfigs itself: importing @kubernetes/client-node costs ~85 MiB of resident memory and ~350 ms
 * of start-up (its generated API models load with its KubeConfig class), which is more than the controller's whole
 * cache at thousands of Rollouts and more than the CLI's start-up budget. The common cases (certificates, tokens,
 * token files, basic auth, in-cluster) are read here; the rare ones whose semantics client-node already implements
 * (exec and auth-provider plugins, proxy-url) load client-node lazily, on first use, so only those users pay for it.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { ExitCode, ExitError } from '../util/exit-codes.ts';

/** TLS material and headers for one request to the API server. */
export interface ConnectionOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  headers?: Record<string, string>;
  /** Set when the kubeconfig names a proxy: requests go through this agent instead of the client's own. */
  agent?: RequestOptions['agent'];
}

/** An API server and the way to reach it. */
export interface KubeConnection {
  /** Base URL, e.g. https://127.0.0.1:6443. */
  readonly server: string;
  /** The context's namespace, or "default". */
  readonly namespace: string;
  /** The context used ("in-cluster" for the service account). */
  readonly context: string;
  /** Options for the next request; async because tokens may be refreshed from files or plugins. */
  requestOptions(): Promise<ConnectionOptions>;
}

/** A kubeconfig that cannot be used: a configuration error (exit code 64) whose message names the file or field. */
export class KubeconfigError extends ExitError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'KubeconfigError';
  }
}

export interface LoadOptions {
  /** A kubeconfig file; default $KUBECONFIG (colon-separated, merged), ~/.kube/config, then in-cluster. */
  kubeconfig?: string | undefined;
  /** A context other than current-context. */
  context?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Where a pod's service account is mounted; tests point it elsewhere. */
  serviceAccountDir?: string;
}

interface NamedEntry<T> {
  name: string;
  value: T;
}

interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}

interface UserEntry {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}

interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** A kubeconfig after merging its files, with every relative path made absolute. */
export interface MergedKubeconfig {
  files: string[];
  currentContext: string | undefined;
  clusters: NamedEntry<ClusterEntry>[];
  users: NamedEntry<UserEntry>[];
  contexts: NamedEntry<ContextEntry>[];
}

const defaultServiceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The connection for the given flags and environment, in kubectl's order of precedence. */
export function loadKubeConnection(options: LoadOptions = {}): KubeConnection {
  const env = options.env ?? process.env;
  const files = kubeconfigFiles(options.kubeconfig, env);
  if (files.length === 0) {
    if (options.context !== undefined) throw new KubeconfigError(`--context ${options.context}: there is no kubeconfig (looked at $KUBECONFIG and ~/.kube/config)`);
    const inCluster = inClusterConnection(env, options.serviceAccountDir ?? defaultServiceAccountDir);
    if (inCluster !== undefined) return inCluster;
    throw new KubeconfigError('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config (outside a cluster); for the local cluster: `aviary cluster up`, then `export KUBECONFIG=$(aviary cluster kubeconfig)`');
  }
  return connectionFromKubeconfig(mergeKubeconfigs(files), options.context);
}

/** The files to read: the flag, else every existing file of $KUBECONFIG, else ~/.kube/config if it exists. */
function kubeconfigFiles(flag: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (flag !== undefined) return [flag];
  const fromEnv = (env.KUBECONFIG ?? '').split(':').filter((file) => file !== '' && readable(file));
  if (fromEnv.length > 0) return fromEnv;
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  return readable(home) ? [home] : [];
}

function readable(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Merges kubeconfig files the way kubectl does: the first file to define a name (or current-context) wins. */
export function mergeKubeconfigs(files: readonly string[]): MergedKubeconfig {
  const merged: MergedKubeconfig = { files: [...files], currentContext: undefined, clusters: [], users: [], contexts: [] };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(error as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (error) {
      throw new KubeconfigError(`kubeconfig ${file} is not valid YAML: ${(error as Error).message}`);
    }
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new KubeconfigError(`kubeconfig ${file}: expected a mapping at the top level`);
    const config = doc as Record<string, unknown>;
    const base = dirname(file);
    if (merged.currentContext === undefined && typeof config['current-context'] === 'string' && config['current-context'] !== '') {
      merged.currentContext = config['current-context'];
    }
    addEntries(merged.clusters, namedEntries<ClusterEntry>(config, 'clusters', 'cluster', file), (entry) => resolvePaths(entry, base, ['certificate-authority']));
    addEntries(merged.users, namedEntries<UserEntry>(config, 'users', 'user', file), (entry) => resolvePaths(entry, base, ['client-certificate', 'client-key', 'tokenFile']));
    addEntries(merged.contexts, namedEntries<ContextEntry>(config, 'contexts', 'context', file), (entry) => entry);
  }
  return merged;
}

function namedEntries<T>(config: Record<string, unknown>, list: string, field: string, file: string): NamedEntry<T>[] {
  const raw = config[list];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new KubeconfigError(`kubeconfig ${file}: ${list} must be a list`);
  return raw.map((item: unknown, index) => {
    if (item === null || typeof item !== 'object') throw new KubeconfigError(`kubeconfig ${file}: ${list}[${index}] must be a mapping`);
    const record = item as Record<string, unknown>;
    if (typeof record.name !== 'string' || record.name === '') throw new KubeconfigError(`kubeconfig ${file}: ${list}[${index}].name is required`);
    const value = record[field] ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new KubeconfigError(`kubeconfig ${file}: ${list}[${index}].${field} must be a mapping`);
    return { name: record.name, value: value as T };
  });
}

function addEntries<T>(into: NamedEntry<T>[], entries: NamedEntry<T>[], resolve: (entry: T) => T): void {
  for (const entry of entries) {
    if (!into.some((existing) => existing.name === entry.name)) into.push({ name: entry.name, value: resolve(entry.value) });
  }
}

function resolvePaths<T extends object>(entry: T, base: string, fields: readonly (keyof T & string)[]): T {
  const resolved = { ...entry };
  for (const field of fields) {
    const value = resolved[field];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value)) (resolved as Record<string, unknown>)[field] = join(base, value);
  }
  return resolved;
}

/** The connection of one context of a merged kubeconfig. */
export function connectionFromKubeconfig(config: MergedKubeconfig, contextName?: string): KubeConnection {
  const where = config.files.join(':');
  const name = contextName ?? config.currentContext;
  if (name === undefined) throw new KubeconfigError(`kubeconfig ${where} has no current-context; pass --context (have: ${names(config.contexts)})`);
  const context = config.contexts.find((entry) => entry.name === name)?.value;
  if (context === undefined) throw new KubeconfigError(`${contextName === undefined ? 'current-context' : '--context'}: no context named "${name}" in ${where} (have: ${names(config.contexts)})`);
  const cluster = config.clusters.find((entry) => entry.name === context.cluster)?.value;
  if (cluster === undefined) throw new KubeconfigError(`context "${name}" refers to cluster "${context.cluster ?? ''}", which ${where} does not define`);
  if (cluster.server === undefined || cluster.server === '') throw new KubeconfigError(`cluster "${context.cluster ?? ''}" in ${where} has no server`);
  const user = context.user === undefined ? {} : config.users.find((entry) => entry.name === context.user)?.value;
  if (user === undefined) throw new KubeconfigError(`context "${name}" refers to user "${context.user ?? ''}", which ${where} does not define`);
  const namespace = context.namespace !== undefined && context.namespace !== '' ? context.namespace : 'default';
  const server = cluster.server;
  if (user.exec !== undefined || user['auth-provider'] !== undefined || (cluster['proxy-url'] ?? '') !== '') {
    return pluginConnection(config.files, name, server, namespace);
  }
  const tls = staticTls(cluster, user, name);
  const tokenSource = bearerToken(user);
  const basic = user.username !== undefined ? `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` : undefined;
  return {
    server,
    namespace,
    context: name,
    requestOptions() {
      const token = tokenSource();
      const authorization = token !== undefined ? `Bearer ${token}` : basic;
      return Promise.resolve({ ...tls, ...(authorization === undefined ? {} : { headers: { authorization } }) });
    },
  };
}

function names(entries: readonly NamedEntry<unknown>[]): string {
  return entries.length === 0 ? 'none' : entries.map((entry) => entry.name).join(', ');
}

function staticTls(cluster: ClusterEntry, user: UserEntry, context: string): ConnectionOptions {
  const options: ConnectionOptions = {};
  const ca = material(cluster['certificate-authority-data'], cluster['certificate-authority'], `cluster of context "${context}": certificate-authority`);
  if (ca !== undefined) options.ca = ca;
  const cert = material(user['client-certificate-data'], user['client-certificate'], `user of context "${context}": client-certificate`);
  if (cert !== undefined) options.cert = cert;
  const key = material(user['client-key-data'], user['client-key'], `user of context "${context}": client-key`);
  if (key !== undefined) options.key = key;
  if (cluster['insecure-skip-tls-verify'] === true) options.rejectUnauthorized = false;
  if (cluster['tls-server-name'] !== undefined && cluster['tls-server-name'] !== '') options.servername = cluster['tls-server-name'];
  return options;
}

/** Inline base64 data, else the file's content. */
function material(data: string | undefined, file: string | undefined, what: string): Buffer | undefined {
  if (data !== undefined && data !== '') return Buffer.from(data, 'base64');
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw new KubeconfigError(`${what}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** How long a token read from a file is reused: projected service account tokens are rotated in place. */
const tokenFileTtlMs = 60_000;

function bearerToken(user: UserEntry): () => string | undefined {
  if (user.token !== undefined && user.token !== '') {
    const token = user.token;
    return () => token;
  }
  if (user.tokenFile !== undefined && user.tokenFile !== '') return tokenFromFile(user.tokenFile);
  return () => undefined;
}

function tokenFromFile(file: string): () => string {
  let cached: { token: string; readAt: number } | undefined;
  return () => {
    const now = Date.now();
    if (cached === undefined || now - cached.readAt > tokenFileTtlMs) {
      try {
        cached = { token: readFileSync(file, 'utf8').trim(), readAt: now };
      } catch (error) {
        // Keep using the last token if a rotation briefly hides the file; fail only if there never was one.
        if (cached === undefined) throw new KubeconfigError(`cannot read token file ${file}: ${(error as Error).message}`);
      }
    }
    return cached.token;
  };
}

/** The pod's service account, when running in a cluster. */
function inClusterConnection(env: NodeJS.ProcessEnv, serviceAccountDir: string): KubeConnection | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || host === '' || port === undefined || port === '') return undefined;
  const tokenFile = join(serviceAccountDir, 'token');
  if (!readable(tokenFile)) return undefined;
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let namespace = 'default';
  try {
    namespace = readFileSync(join(serviceAccountDir, 'namespace'), 'utf8').trim() || 'default';
  } catch {
    // An older service account mount without the namespace file: "default", as client-go does.
  }
  const ca = material(undefined, join(serviceAccountDir, 'ca.crt'), 'in-cluster service account CA');
  const token = tokenFromFile(tokenFile);
  return {
    server,
    namespace,
    context: 'in-cluster',
    requestOptions: () => Promise.resolve({ ...(ca === undefined ? {} : { ca }), headers: { authorization: `Bearer ${token()}` } }),
  };
}

/**
 * Exec and auth-provider plugins and proxies, through client-node (loaded on first use): their semantics (credential
 * caching, interactive modes, proxy agents) are client-node's.
 */
function pluginConnection(files: readonly string[], context: string, server: string, namespace: string): KubeConnection {
  let loading: Promise<KubeConfig> | undefined;
  const load = async (): Promise<KubeConfig> => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    // client-node merges several files through $KUBECONFIG only.
    if (files.length === 1 && files[0] !== undefined) kc.loadFromFile(files[0]);
    else kc.loadFromDefault();
    kc.setCurrentContext(context);
    return kc;
  };
  return {
    server,
    namespace,
    context,
    async requestOptions() {
      loading ??= load();
      return optionsFromClientNode(await loading);
    },
  };
}

/** A client-node KubeConfig (e.g. one built by a test) as a connection. */
export function connectionFromKubeConfig(kc: KubeConfig): KubeConnection {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new KubeconfigError('kubeconfig has no current cluster');
  const context = kc.getContextObject(kc.getCurrentContext());
  return {
    server: cluster.server,
    namespace: context?.namespace ?? 'default',
    context: kc.getCurrentContext(),
    requestOptions: () => optionsFromClientNode(kc),
  };
}

async function optionsFromClientNode(kc: KubeConfig): Promise<ConnectionOptions> {
  const https: RequestOptions = {};
  await kc.applyToHTTPSOptions(https);
  const options: ConnectionOptions = {};
  if (https.ca !== undefined) options.ca = Buffer.from(https.ca as Buffer | string);
  if (https.cert !== undefined) options.cert = Buffer.from(https.cert as Buffer | string);
  if (https.key !== undefined) options.key = Buffer.from(https.key as Buffer | string);
  if (https.rejectUnauthorized === false) options.rejectUnauthorized = false;
  if (https.servername !== undefined) options.servername = https.servername;
  if (https.headers !== undefined) options.headers = https.headers as Record<string, string>;
  if ((kc.getCurrentCluster()?.proxyUrl ?? '') !== '') options.agent = https.agent;
  return options;
}
