import { randomUUID } from 'node:crypto';
import { type Analysis, analyze } from '../heuristics/analyze';
import { type FieldScope, type Suggestion, seedsFor, snake, suggest } from '../heuristics/fields';
import type { Conversation } from '../heuristics/input';
import { chooseEnum } from './enum';
import { sampleFromPattern } from './regex-gen';

export type JsonSchema = Record<string, unknown> | boolean;
type Obj = Record<string, unknown>;

interface FillContext {
  root: JsonSchema;
  conv: Conversation;
  analyses: Map<string, Analysis>;
  scope: FieldScope;
  depth: number;
}

const MAX_DEPTH = 12;
const DEFAULT_MAX_ITEMS = 5;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resolves `$ref` (`#`, `#/definitions/X`, `#/$defs/X`, any JSON pointer into the root schema). */
export const deref = (schema: JsonSchema, root: JsonSchema, seen = 0): JsonSchema => {
  if (!isObj(schema) || typeof schema.$ref !== 'string' || seen > 32) return schema;
  const ref = schema.$ref;
  if (!ref.startsWith('#')) return {};
  let target: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    target = isObj(target) || Array.isArray(target) ? (target as Obj)[key] : undefined;
  }
  if (target === undefined || (typeof target !== 'boolean' && !isObj(target))) return {};
  const { $ref: _ignored, ...siblings } = schema;
  const resolved = deref(target as JsonSchema, root, seen + 1);
  return isObj(resolved) && Object.keys(siblings).length ? { ...resolved, ...siblings } : resolved;
};

const typesOf = (s: Obj): string[] => {
  if (Array.isArray(s.type)) return s.type.filter((t): t is string => typeof t === 'string');
  if (typeof s.type === 'string') return [s.type];
  if (isObj(s.properties) || s.additionalProperties !== undefined) return ['object'];
  if (s.items !== undefined) return ['array'];
  return [];
};

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const fillNumber = (s: Obj, integer: boolean, sug: Suggestion | undefined): number => {
  const exMin = num(s.exclusiveMinimum) ?? (s.exclusiveMinimum === true ? num(s.minimum) : undefined);
  const exMax = num(s.exclusiveMaximum) ?? (s.exclusiveMaximum === true ? num(s.maximum) : undefined);
  const min = s.exclusiveMinimum === true ? undefined : num(s.minimum);
  const max = s.exclusiveMaximum === true ? undefined : num(s.maximum);
  const lo = min ?? exMin;
  const hi = max ?? exMax;
  let value: number;
  if (sug?.kind === 'fraction' || sug?.kind === 'signed') {
    const unit = sug.kind === 'signed' && (lo === undefined || lo >= 0) ? (sug.value + 1) / 2 : sug.value;
    if (sug.kind === 'signed' && lo !== undefined && lo < 0) value = unit;
    else if (lo !== undefined && hi !== undefined && !(lo === 0 && hi === 1)) value = lo + unit * (hi - lo);
    else if (integer && hi === undefined) value = unit * 100;
    else value = unit;
  } else if (sug?.kind === 'count') value = sug.value;
  else if (sug?.kind === 'bool') value = sug.value ? 1 : 0;
  else value = lo ?? 0;
  value = integer ? Math.round(value) : Math.round(value * 10000) / 10000;
  const multiple = num(s.multipleOf);
  if (multiple && multiple > 0) value = Math.round(value / multiple) * multiple;
  // Bounds last, so rounding never pushes a value out of them.
  const step = multiple && multiple > 0 ? multiple : integer ? 1 : 0;
  const floor = min !== undefined ? (integer ? Math.ceil(min) : min) : undefined;
  const ceil = max !== undefined ? (integer ? Math.floor(max) : max) : undefined;
  if (floor !== undefined && value < floor) value = step ? Math.ceil(floor / step) * step : floor;
  if (ceil !== undefined && value > ceil) value = step ? Math.floor(ceil / step) * step : ceil;
  if (exMin !== undefined && value <= exMin) {
    value = step ? (Math.floor(exMin / step) + 1) * step : exMax !== undefined || ceil !== undefined ? (exMin + (exMax ?? ceil ?? exMin)) / 2 : exMin + 1;
  }
  if (exMax !== undefined && value >= exMax) {
    value = step ? (Math.ceil(exMax / step) - 1) * step : exMin !== undefined || floor !== undefined ? ((exMin ?? floor ?? exMax) + exMax) / 2 : exMax - 1;
  }
  return value;
};

const formatDefault = (format: string): string | undefined => {
  const now = new Date();
  switch (format) {
    case 'date-time':
      return now.toISOString();
    case 'date':
      return now.toISOString().slice(0, 10);
    case 'time':
      return now.toISOString().slice(11, 19);
    case 'email':
      return 'kund@example.se';
    case 'uri':
    case 'url':
      return 'https://example.se/';
    case 'uuid':
      return randomUUID();
    case 'ipv4':
      return '127.0.0.1';
    case 'hostname':
      return 'example.se';
    case 'duration':
      return 'PT1M';
    default:
      return undefined;
  }
};

const asText = (sug: Suggestion | undefined): string => {
  if (!sug) return '';
  switch (sug.kind) {
    case 'text':
    case 'label':
      return sug.value;
    case 'list':
      return sug.value.join('; ');
    case 'fraction':
    case 'signed':
    case 'count':
      return String(sug.value);
    case 'bool':
      return sug.value ? 'true' : 'false';
    default:
      return '';
  }
};

const fillString = (s: Obj, sug: Suggestion | undefined): string => {
  const format = typeof s.format === 'string' ? s.format : undefined;
  let value = (format && formatDefault(format)) || asText(sug);
  const maxLength = num(s.maxLength);
  const minLength = num(s.minLength) ?? 0;
  if (maxLength !== undefined && [...value].length > maxLength) value = [...value].slice(0, maxLength).join('').trimEnd();
  while ([...value].length < minLength) value += value ? ' .' : 'x';
  if (maxLength !== undefined && [...value].length > maxLength) value = [...value].slice(0, maxLength).join('');
  if (typeof s.pattern === 'string') {
    let ok = false;
    try {
      ok = new RegExp(s.pattern, 'u').test(value);
    } catch {
      ok = true;
    }
    if (!ok) value = sampleFromPattern(s.pattern) ?? value;
  }
  return value;
};

const listOf = (sug: Suggestion | undefined): Suggestion[] => {
  if (!sug) return [];
  if (sug.kind === 'list') return sug.value.map((value) => ({ kind: 'text', value }));
  if (sug.kind === 'text' && sug.value === '') return [];
  return sug.kind === 'null' ? [] : [sug];
};

const analysisFor = (ctx: FillContext, department: string): Analysis => {
  let a = ctx.analyses.get(department);
  if (!a) {
    a = analyze(ctx.conv, department);
    ctx.analyses.set(department, a);
  }
  return a;
};

const fillArray = (s: Obj, name: string, ctx: FillContext, sug: Suggestion | undefined): unknown[] => {
  const minItems = num(s.minItems) ?? 0;
  const maxItems = num(s.maxItems) ?? Math.max(minItems, DEFAULT_MAX_ITEMS);
  const items: JsonSchema = Array.isArray(s.items) ? ((s.items[0] as JsonSchema) ?? {}) : ((s.items as JsonSchema) ?? {});
  const itemSchema = deref(items, ctx.root);
  const itemTypes = isObj(itemSchema) ? typesOf(itemSchema) : [];
  const deep = ctx.depth > 3;
  const out: unknown[] = [];
  if (itemTypes.includes('object')) {
    const seeds = deep ? [] : seedsFor(name, ctx.scope);
    const count = Math.min(maxItems, Math.max(minItems, seeds.length));
    for (let k = 0; k < count; k++) {
      const focus = seeds[k % Math.max(1, seeds.length)] ?? null;
      const isDept = focus !== null && ctx.scope.analysis.store.departmentsKnown.includes(focus);
      const analysis = isDept && focus ? analysisFor(ctx, focus) : ctx.scope.analysis;
      const scope: FieldScope = { analysis, focus, focusKind: focus === null ? null : isDept ? 'department' : 'text', path: ctx.scope.path };
      out.push(fill(items, name, { ...ctx, scope, depth: ctx.depth + 1 }));
    }
  } else {
    const values = deep ? [] : listOf(sug);
    const count = Math.min(maxItems, Math.max(minItems, values.length));
    for (let k = 0; k < count; k++) {
      const itemSug = values[k] ?? values[k % Math.max(1, values.length)];
      out.push(fillWith(items, name, { ...ctx, depth: ctx.depth + 1 }, itemSug));
    }
  }
  if (s.uniqueItems === true) {
    const seen = new Set<string>();
    for (let k = 0; k < out.length; k++) {
      let key = JSON.stringify(out[k]);
      if (seen.has(key) && typeof out[k] === 'string') {
        out[k] = `${out[k]} (${k + 1})`;
        key = JSON.stringify(out[k]);
      }
      seen.add(key);
    }
  }
  return out;
};

const fillObject = (s: Obj, ctx: FillContext): Obj => {
  const out: Obj = {};
  const props = isObj(s.properties) ? s.properties : {};
  for (const [key, propSchema] of Object.entries(props)) {
    const scope = { ...ctx.scope, path: [...ctx.scope.path, snake(key)] };
    out[key] = fill(propSchema as JsonSchema, key, { ...ctx, scope, depth: ctx.depth + 1 });
  }
  if (Object.keys(props).length === 0 && isObj(s.additionalProperties) && ctx.depth < MAX_DEPTH) {
    for (const department of ctx.scope.analysis.departments.slice(0, DEFAULT_MAX_ITEMS)) {
      const scope: FieldScope = { analysis: analysisFor(ctx, department), focus: department, focusKind: 'department', path: ctx.scope.path };
      out[department] = fill(s.additionalProperties, department, { ...ctx, scope, depth: ctx.depth + 1 });
    }
  }
  return out;
};

const suggestionValue = (sug: Suggestion | undefined): unknown => {
  if (!sug || sug.kind === 'null') return null;
  if (sug.kind === 'fraction' || sug.kind === 'signed' || sug.kind === 'count') return sug.value;
  return sug.value;
};

/** Fills one schema node with a given suggestion (or none). */
const fillWith = (schema: JsonSchema, name: string, ctx: FillContext, sug: Suggestion | undefined): unknown => {
  const s = deref(schema, ctx.root);
  if (s === false) return null;
  if (s === true || Object.keys(s).length === 0) return suggestionValue(sug);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return chooseEnum(s.enum, sug);
  if (Array.isArray(s.allOf)) {
    const merged: Obj = { ...s, allOf: undefined };
    for (const part of s.allOf) {
      const p = deref(part as JsonSchema, ctx.root);
      if (isObj(p)) {
        Object.assign(merged, p, {
          properties: { ...(isObj(merged.properties) ? merged.properties : {}), ...(isObj(p.properties) ? p.properties : {}) },
        });
      }
    }
    delete merged.allOf;
    return fillWith(merged, name, ctx, sug);
  }
  const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null;
  if (branches) {
    const resolved = branches.map((b) => deref(b as JsonSchema, ctx.root));
    const isNull = (b: JsonSchema): boolean => isObj(b) && (b.type === 'null' || (Array.isArray(b.enum) && b.enum.length === 1 && b.enum[0] === null));
    const nonNull = resolved.filter((b) => !isNull(b));
    if ((sug === undefined || sug.kind === 'null' || ctx.depth > MAX_DEPTH) && nonNull.length < resolved.length) return null;
    const wanted = sug?.kind === 'list' ? 'array' : sug?.kind === 'bool' ? 'boolean' : sug?.kind === 'text' || sug?.kind === 'label' ? 'string' : sug ? 'number' : null;
    const fit = nonNull.find((b) => isObj(b) && wanted !== null && typesOf(b).some((t) => t === wanted || (wanted === 'number' && t === 'integer')));
    return fillWith(fit ?? nonNull[0] ?? {}, name, ctx, sug);
  }
  const types = typesOf(s);
  const nonNullTypes = types.filter((t) => t !== 'null');
  if (types.includes('null') && (sug === undefined || sug.kind === 'null' || ctx.depth > MAX_DEPTH)) return null;
  const wantedType =
    sug?.kind === 'list' && nonNullTypes.includes('array')
      ? 'array'
      : sug?.kind === 'bool' && nonNullTypes.includes('boolean')
        ? 'boolean'
        : (sug?.kind === 'text' || sug?.kind === 'label') && nonNullTypes.includes('string')
          ? 'string'
          : nonNullTypes[0];
  switch (wantedType) {
    case 'object':
      return fillObject(s, ctx);
    case 'array':
      return fillArray(s, name, ctx, sug);
    case 'string':
      return fillString(s, sug);
    case 'integer':
      return fillNumber(s, true, sug);
    case 'number':
      return fillNumber(s, false, sug);
    case 'boolean':
      return sug?.kind === 'bool' ? sug.value : sug?.kind === 'fraction' ? sug.value >= 0.5 : false;
    case 'null':
      return null;
    default:
      return suggestionValue(sug);
  }
};

/** Fills a schema node, asking the field-name heuristics for a suggestion first. */
const fill = (schema: JsonSchema, name: string, ctx: FillContext): unknown => fillWith(schema, name, ctx, suggest(name, ctx.scope));

/** Produces a value that validates against `schema`, filled from the conversation by the heuristics. */
export const generateFromSchema = (schema: JsonSchema, conv: Conversation, analysis: Analysis, rootName = ''): unknown => {
  const ctx: FillContext = {
    root: schema,
    conv,
    analyses: new Map(),
    scope: { analysis, focus: null, focusKind: null, path: [] },
    depth: 0,
  };
  return fillWith(schema, rootName, ctx, undefined);
};
