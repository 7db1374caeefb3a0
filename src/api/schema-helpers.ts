/**
 * Building blocks shared by every kind's schema: Kubernetes-flavoured TypeBox types (int-or-string, durations,
 * label selectors, string maps, free-form objects) and CEL validation rules that carry a JavaScript twin, so the
 * same rule is enforced by the API server (x-kubernetes-validations in the CRD) and by `aviary lint` / the
 * controller (validate.ts) without a CEL interpreter in Node.
 */
import { FormatRegistry, Type, type SchemaOptions, type TUnsafe } from '@sinclair/typebox';

// ---------------------------------------------------------------------------------------------------------------
// Formats. TypeBox rejects strings whose `format` is not registered, so the formats used by the schemas are
// registered here, once, by whichever module loads first.

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => rfc3339.test(value) && !Number.isNaN(Date.parse(value)));
}

// ---------------------------------------------------------------------------------------------------------------
// CEL rules with a JavaScript twin

/**
 * Result of a rule's JavaScript twin: `true` when the value satisfies the rule, `false` when it does not (the error
 * is reported at the node carrying the rule), or a list of relative paths (e.g. `steps[2].setWeight`) naming the
 * offending fields (an empty list means satisfied).
 */
export type RuleOutcome = boolean | string[];

export type RuleCheck = (self: unknown, oldSelf: unknown) => RuleOutcome;

export interface CelRule {
  rule: string;
  message: string;
}

const ruleChecks = new Map<string, RuleCheck>();

/**
 * Declares a CEL validation rule (x-kubernetes-validations) together with the JavaScript function that decides
 * the same thing. The rule text is the key; declaring one rule twice with different twins is a programming error.
 * Twins receive values that may not match the schema (they also run when other errors exist) and must not throw
 * on odd input; a throwing twin counts as satisfied (the type error is reported elsewhere).
 */
export function celRule(rule: string, message: string, check: RuleCheck): CelRule {
  const existing = ruleChecks.get(rule);
  if (existing !== undefined && existing !== check) throw new Error(`CEL rule declared twice: ${rule}`);
  ruleChecks.set(rule, check);
  return { rule, message };
}

export function ruleCheck(rule: string): RuleCheck | undefined {
  return ruleChecks.get(rule);
}

/** Whether a CEL rule compares against the previous object (a transition rule). */
export function isTransitionRule(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

// Small helpers for writing rule twins.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The property of an object, or undefined for anything else. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/** CEL's has(): present and not null (the API server prunes nulls before validation). */
export function has(value: unknown, key: string): boolean {
  return isRecord(value) && value[key] !== undefined && value[key] !== null;
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars

/** A signed 32-bit integer (Kubernetes `int32`). */
export function Int32(options: SchemaOptions = {}) {
  return Type.Integer({ format: 'int32', ...options });
}

/** A signed 64-bit integer (Kubernetes `int64`). */
export function Int64(options: SchemaOptions = {}) {
  return Type.Integer({ format: 'int64', ...options });
}

/** A Kubernetes timestamp (metav1.Time): RFC 3339 text. */
export function Time(options: SchemaOptions = {}) {
  return Type.String({ format: 'date-time', ...options });
}

/**
 * A string whose static type is a union of known values while the schema stays an open string. Used for status
 * fields (phases, reasons) that the controller writes: the CRD must not reject a value a newer controller writes.
 */
export function OpenString<T extends string>(options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>(Type.String(options));
}

/** A closed set of strings: `enum` in the CRD, a union of literals in TypeScript. */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>(
    Type.Union(
      values.map((value) => Type.Literal(value)),
      { errorMessage: `must be one of: ${values.join(', ')}`, ...options },
    ),
  );
}

export type IntOrString = number | string;

/**
 * Kubernetes IntOrString (`maxSurge: 1` or `maxSurge: "25%"`). The CRD generator turns any schema carrying
 * `x-kubernetes-int-or-string` into the canonical `anyOf: [integer, string]` form and drops restrictions of the
 * branches (the API server does not allow them there); TypeBox validation keeps them.
 */
export function IntOrString(options: SchemaOptions & { string?: SchemaOptions; integer?: SchemaOptions } = {}) {
  const { string: stringOptions = {}, integer: integerOptions = {}, ...rest } = options;
  return Type.Union([Type.Integer(integerOptions), Type.String(stringOptions)], {
    'x-kubernetes-int-or-string': true,
    errorMessage: 'must be an integer or a string',
    ...rest,
  });
}

const percentPattern = '^[0-9]+%$';

/** Go duration text such as `30s`, `1m30s`, `1.5h` (units ns, us, µs, ms, s, m, h). */
export const durationPattern = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';

const secondsOrDurationPattern = `${durationPattern}|^[0-9]+$`;

// The API server does not allow restrictions inside the int-or-string form, so these rules say in CEL what the
// TypeBox branches say for `aviary lint`.

const percentRule = celRule(
  `type(self) == string ? self.matches(r'${percentPattern}') : self >= 0`,
  'must be a non-negative integer or a percentage such as "25%"',
  (self) => (typeof self === 'string' ? new RegExp(percentPattern).test(self) : typeof self !== 'number' || self >= 0),
);

const secondsOrDurationRule = celRule(
  `type(self) == string ? self.matches(r'${secondsOrDurationPattern}') : self >= 0`,
  'must be whole seconds (e.g. 30) or a duration such as "30s", "5m" or "1h"',
  (self) =>
    typeof self === 'string' ? new RegExp(secondsOrDurationPattern).test(self) : typeof self !== 'number' || self >= 0,
);

/** An absolute count or a percentage, e.g. `3` or `"25%"`. */
export function IntOrPercent(options: SchemaOptions = {}) {
  return IntOrString({
    integer: { minimum: 0 },
    string: { pattern: percentPattern, maxLength: 12 },
    maxLength: 12,
    errorMessage: percentRule.message,
    'x-kubernetes-validations': [percentRule],
    ...options,
  });
}

/** A duration string (Go `time.ParseDuration` syntax), e.g. an experiment's `duration: 1h`. */
export function DurationString(options: SchemaOptions = {}) {
  return Type.String({
    pattern: `${durationPattern}|^0$`,
    errorMessage: 'must be a duration such as "30s", "5m" or "1h"',
    ...options,
  });
}

/**
 * A pause duration: whole seconds as an integer, or a string that is either a bare number of seconds ("30") or a
 * Go duration ("30s", "1h").
 */
export function SecondsOrDuration(options: SchemaOptions = {}) {
  return IntOrString({
    integer: { minimum: 0 },
    string: { pattern: secondsOrDurationPattern, maxLength: 64 },
    maxLength: 64,
    errorMessage: secondsOrDurationRule.message,
    'x-kubernetes-validations': [secondsOrDurationRule],
    ...options,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Objects

/** `map[string]string` (labels, annotations). */
export function StringMap(options: SchemaOptions = {}) {
  return Type.Record(Type.String(), Type.String(), options);
}

/**
 * A free-form object whose content the API server keeps as it is (`x-kubernetes-preserve-unknown-fields`).
 * TypeScript sees it as `T` (a plain record unless told otherwise).
 */
export function PreservedObject<T = Record<string, unknown>>(options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>(Type.Object({}, { 'x-kubernetes-preserve-unknown-fields': true, ...options }));
}

/** Any JSON value kept as it is (a plugin's configuration, for instance). */
export function PreservedValue(options: SchemaOptions = {}) {
  return Type.Unknown({ 'x-kubernetes-preserve-unknown-fields': true, ...options });
}

/** metav1.LabelSelector. */
export const LabelSelectorRequirement = Type.Object({
  key: Type.String(),
  operator: StringEnum(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const),
  values: Type.Optional(Type.Array(Type.String())),
});

export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(StringMap()),
    matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirement)),
  },
  { 'x-kubernetes-map-type': 'atomic' },
);

/** Labels and annotations only: the metadata Argo's API accepts for pod templates and generated objects. */
export const PodTemplateMetadata = Type.Object({
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
});

export const OwnerReference = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  uid: Type.String(),
  controller: Type.Optional(Type.Boolean()),
  blockOwnerDeletion: Type.Optional(Type.Boolean()),
});

/**
 * The object metadata of a top-level resource, as far as Aviary reads it. In the CRD the root `metadata` is left
 * to the API server (`type: object`), as Kubernetes requires.
 */
export const ObjectMeta = Type.Object({
  name: Type.Optional(Type.String()),
  generateName: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  creationTimestamp: Type.Optional(Type.String()),
  deletionTimestamp: Type.Optional(Type.String()),
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
  finalizers: Type.Optional(Type.Array(Type.String())),
  ownerReferences: Type.Optional(Type.Array(OwnerReference)),
});
