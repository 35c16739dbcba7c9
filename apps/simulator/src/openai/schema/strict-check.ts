/**
 * The subset of OpenAI's strict Structured Outputs rules that the simulator enforces, with OpenAI's
 * wording: the root is an object; every object has `additionalProperties: false` and lists every
 * property in `required`. Returns the first violation, or null.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const context = (path: readonly string[]): string => `(${path.map((p) => `'${p}'`).join(', ')}${path.length === 1 ? ',' : ''})`;

const check = (node: unknown, path: string[]): string | null => {
  if (!isObj(node)) return null;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('object') || isObj(node.properties)) {
    if (node.additionalProperties !== false) {
      return `In context=${context(path)}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const props = isObj(node.properties) ? Object.keys(node.properties) : [];
    const required = Array.isArray(node.required) ? node.required : [];
    const missing = props.find((p) => !required.includes(p));
    if (missing !== undefined) {
      return `In context=${context(path)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    }
    for (const p of props) {
      const err = check((node.properties as Obj)[p], [...path, 'properties', p]);
      if (err) return err;
    }
  }
  if (node.items !== undefined) {
    const err = check(node.items, [...path, 'items']);
    if (err) return err;
  }
  for (const key of ['anyOf', 'allOf', 'oneOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) {
      for (let i = 0; i < list.length; i++) {
        const err = check(list[i], [...path, key, String(i)]);
        if (err) return err;
      }
    }
  }
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = node[key];
    if (isObj(defs)) {
      for (const [name, def] of Object.entries(defs)) {
        const err = check(def, [...path, key, name]);
        if (err) return err;
      }
    }
  }
  return null;
};

export const strictSchemaError = (name: string, schema: unknown): string | null => {
  if (!isObj(schema) || (schema.type !== 'object' && !isObj(schema.properties) && typeof schema.$ref !== 'string')) {
    const got = isObj(schema) ? JSON.stringify(schema.type ?? 'None') : 'None';
    return `Invalid schema for response_format '${name}': schema must be a JSON Schema of 'type: "object"', got 'type: ${got}'.`;
  }
  const err = check(schema, []);
  return err ? `Invalid schema for response_format '${name}': ${err}` : null;
};
