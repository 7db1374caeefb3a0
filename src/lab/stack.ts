/**
 * The local cluster together with its traffic lab, as `aviary cluster up`, the test bed and the demo start it. On a
 * cold machine the gateway is built while the control plane builds, so the lab costs little extra time. Where the
 * lab cannot run (not root, no `ip`), it stays off with a message and the cluster works without it.
 */
import { down, up, type UpResult } from '../cluster/control-plane.ts';
import { ensureGateway } from './gateway-build.ts';
import { labDown, labUp, type LabReport } from './lab.ts';
import { assertCanCreateNetns, LabUnavailable } from './netns.ts';

export interface StackUpOptions {
  nodes: number;
  lab: boolean;
  progress: (message: string) => void;
}

export interface StackUpResult {
  cluster: UpResult;
  lab?: LabReport;
  /** Why the lab is off although it was asked for. */
  labUnavailable?: string;
}

export async function upWithLab(options: StackUpOptions): Promise<StackUpResult> {
  const { progress } = options;
  let unavailable: string | undefined;
  let gatewayBuild: Promise<Error | undefined> | undefined;
  if (options.lab) {
    try {
      await assertCanCreateNetns();
      // Settled here so that a failed build is reported by labUp below, after the cluster is up, not as an unhandled rejection.
      gatewayBuild = ensureGateway(progress).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error : new Error(`building the gateway failed: ${String(error)}`)),
      );
    } catch (error) {
      if (!(error instanceof LabUnavailable)) throw error;
      unavailable = error.message;
    }
  }
  const cluster = await up({ nodes: options.nodes, progress });
  if (gatewayBuild === undefined) {
    if (unavailable !== undefined) progress(`the traffic lab stays off: ${unavailable}`);
    return { cluster, ...(unavailable === undefined ? {} : { labUnavailable: unavailable }) };
  }
  const buildError = await gatewayBuild;
  if (buildError !== undefined) throw buildError;
  return { cluster, lab: await labUp({ kubeconfig: cluster.kubeconfig, progress }) };
}

/** Stops the lab first (its processes talk to the API server), then the control plane. */
export async function downWithLab(progress: (message: string) => void): Promise<string[]> {
  return [...(await labDown(progress)), ...(await down(progress))];
}
