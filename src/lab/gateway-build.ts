/**
 * The lab's gateway, Traefik, built from the Go module proxy like the control plane: the build module in ./build
 * pins Traefik and (through it) the Gateway API, and the build is cached by version and by that module's checksum.
 * The CRDs the lab installs are copied out of the same modules at build time, so the binary and its CRDs always
 * come from one version.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildInto, findGo, goRun, moduleChecksum, stampMatches } from '../cluster/build.ts';
import { cacheRoot } from '../cluster/paths.ts';

export const traefikVersion = 'v3.6.12';
const traefikModule = 'github.com/traefik/traefik/v3';
const gatewayApiModule = 'sigs.k8s.io/gateway-api';

export const gatewayBuildModuleDir = fileURLToPath(new URL('./build/', import.meta.url));

export interface GatewayBinaries {
  traefik: string;
  /** Gateway API CRDs, standard channel, one file per CRD. */
  gatewayApiCrds: string;
  /** The traefik.io CRDs (IngressRoute, TraefikService, Middleware, ...). */
  traefikCrds: string;
}

export function gatewayPaths(): GatewayBinaries {
  const dir = gatewayCacheDir();
  return { traefik: join(dir, 'traefik'), gatewayApiCrds: join(dir, 'crds', 'gateway-api'), traefikCrds: join(dir, 'crds', 'traefik') };
}

function gatewayCacheDir(): string {
  return join(cacheRoot(), `traefik-${traefikVersion}`);
}

/** Builds Traefik unless the cache holds a build of this version and build module; returns where everything is. */
export async function ensureGateway(progress: (message: string) => void): Promise<GatewayBinaries> {
  const paths = gatewayPaths();
  const stamp = `${traefikVersion} ${await moduleChecksum(gatewayBuildModuleDir)}`;
  if (await stampMatches(gatewayCacheDir(), stamp)) return paths;
  const go = await findGo();
  await mkdir(cacheRoot(), { recursive: true });
  progress(`building Traefik ${traefikVersion} with ${go} (first run only; about 10 minutes on 2 cores)`);
  const started = Date.now();
  await buildInto(gatewayCacheDir(), stamp, async (out, logFile) => {
    const ldflags = `-s -w -X ${traefikModule}/pkg/version.Version=${traefikVersion}`;
    await goRun(['build', '-trimpath', '-ldflags', ldflags, '-o', join(out, 'traefik'), `${traefikModule}/cmd/traefik`], gatewayBuildModuleDir, logFile, {}, 'the lab gateway');
    const dirs = await moduleDirs([traefikModule, gatewayApiModule]);
    await copyYaml(join(dirs[gatewayApiModule], 'config', 'crd', 'standard'), join(out, 'crds', 'gateway-api'));
    await mkdir(join(out, 'crds', 'traefik'), { recursive: true });
    await copyFile(join(dirs[traefikModule], 'docs', 'content', 'reference', 'dynamic-configuration', 'kubernetes-crd-definition-v1.yml'), join(out, 'crds', 'traefik', 'traefik.io.yaml'));
  });
  progress(`built Traefik in ${Math.round((Date.now() - started) / 1000)} s`);
  return paths;
}

/** Where the module cache holds each module at the version the build module selects (the build downloaded them). */
async function moduleDirs<M extends string>(modules: readonly M[]): Promise<Record<M, string>> {
  const env = { ...process.env, GOWORK: 'off', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' };
  const { stdout } = await promisify(execFile)('go', ['list', '-m', '-f', '{{.Path}} {{.Dir}}', ...modules], { cwd: gatewayBuildModuleDir, env });
  const found = new Map(stdout.trim().split('\n').map((line) => line.split(' ', 2) as [string, string]));
  const result = {} as Record<M, string>;
  for (const module of modules) {
    const dir = found.get(module);
    if (dir === undefined || dir === '') throw new Error(`go list found no directory for ${module} in ${gatewayBuildModuleDir}`);
    result[module] = dir;
  }
  return result;
}

async function copyYaml(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const file of await readdir(from)) {
    if (file.endsWith('.yaml')) await copyFile(join(from, file), join(to, file));
  }
}
