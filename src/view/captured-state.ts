/**
 * A Rollout with its ReplicaSets and pods (and, for a Rollout with analysis, its AnalysisRuns and their Jobs) at one
 * moment: the objects a read model is computed from, as test/e2e/cli-fixtures.test.ts captures them into
 * test/fixtures/cli/ for the rendering's snapshot tests.
 */
import type { AnalysisRun } from '../api/analysis.ts';
import type { Job, Pod, ReplicaSet } from '../api/kubernetes.ts';
import type { Rollout } from '../api/rollout.ts';

export interface CapturedState {
  /** When the objects were read (RFC 3339). */
  capturedAt: string;
  rollout: Rollout;
  replicaSets: ReplicaSet[];
  pods: Pod[];
  analysisRuns?: AnalysisRun[];
  jobs?: Job[];
}
