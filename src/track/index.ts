/**
 * The tracker as a library: `track(targets, options)` gives an async stream of events and a final result. The CLI
 * (`aviary track`) and the dashboard are its users; the rules per kind are pure functions usable on their own.
 */
export { track, type TrackOptions, type Tracking } from './track.ts';
export type * from './events.ts';
export { parseTargetArgs, targetsFromManifests, defaultKindGroups, type TrackTarget, type KindGroups } from './targets.ts';
export { parseRulesFile, compileRules, type UserRule, type Matcher, type CompiledRule } from './rules/generic.ts';
export { defaultSettings, settingsFromAnnotations, parseFailMode, type ResourceSettings, type FailMode, type TerminationMode } from './annotations.ts';
export type { Status, TrackState, PodView, ReplicaView, Problem } from './rules/types.ts';
export { deploymentRule } from './rules/deployment.ts';
export { statefulSetRule } from './rules/statefulset.ts';
export { daemonSetRule } from './rules/daemonset.ts';
export { jobRule } from './rules/job.ts';
export { podRule, podProblems } from './rules/pod.ts';
export { rolloutRule } from './rules/rollout.ts';
export { canaryRule } from './rules/canary.ts';
export { genericRule } from './rules/generic.ts';
export { eventLine, summaryText, colors, noColors } from './render/format.ts';
export { LiveRenderer } from './render/tty.ts';
