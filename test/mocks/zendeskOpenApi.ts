/**
 * Checks a request against Zendesk's official Support OpenAPI spec (when configured: ./vendorSpecs.ts): the method and
 * path exist, every query parameter is documented (plus the generic pagination ones), and the JSON body
 * matches the request schema. Paths the spec does not cover (Talk exports, side conversations) are
 * reported as not covered; the fake checks those itself. Two known defects of the spec are patched,
 * each documented below.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { vendorSpecPath } from './vendorSpecs.js';

type Json = Record<string, unknown>;

interface Operation {
  template: string;
  literalSegments: number;
  regex: RegExp;
  methods: Record<string, Json>;
  pathParameters: Json[];
}

export type SpecVerdict = { covered: false } | { covered: true; operationId: string; problems: string[] };

/** Parameters documented in prose (pagination, side-loading) rather than per operation. */
const GENERIC_QUERY = new Set([
  'page',
  'per_page',
  'page[size]',
  'page[after]',
  'page[before]',
  'sort_by',
  'sort_order',
  'sort',
  'include',
]);

let loaded: { spec: Json; ajv: Ajv; operations: Operation[] } | null | undefined;

function patchKnownDefects(spec: Json): void {
  const schemas = (spec.components as Json).schemas as Record<string, Json>;
  const update = schemas.TicketUpdateInput?.properties as Record<string, Json>;
  // Defect 1 (specs/README.md): custom_fields items point at the ticket-field definition schema; real
  // requests send {id, value}. Replaced by that documented shape.
  update.custom_fields = {
    type: 'array',
    items: { type: 'object', required: ['id', 'value'], properties: { id: { type: 'integer' } } },
  };
  // Defect 2: assignee_id is not marked nullable, yet `"assignee_id": null` is how a ticket is unassigned.
  update.assignee_id = { ...update.assignee_id, nullable: true };
}

function load() {
  if (loaded !== undefined) return loaded;
  const path = vendorSpecPath('zendesk');
  if (!path) {
    loaded = null;
    return null;
  }
  const spec = parse(readFileSync(path, 'utf8')) as Json;
  patchKnownDefects(spec);
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormatsModule as unknown as (ajv: Ajv) => void)(ajv);
  ajv.addSchema(spec, 'zendesk');
  const operations: Operation[] = Object.entries(spec.paths as Record<string, Json>).map(
    ([template, item]) => {
      const segments = template.split('/').filter(Boolean);
      const pattern = segments.map((s) =>
        s.startsWith('{') ? '([^/]+)' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      );
      const methods: Record<string, Json> = {};
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
        if (item[method]) methods[method.toUpperCase()] = item[method] as Json;
      }
      return {
        template,
        literalSegments: segments.filter((s) => !s.startsWith('{')).length,
        regex: new RegExp(`^/${pattern.join('/')}$`),
        methods,
        pathParameters: (item.parameters as Json[] | undefined) ?? [],
      };
    },
  );
  // The most literal template wins: /users/search before /users/{user_id}.
  operations.sort((a, b) => b.literalSegments - a.literalSegments);
  loaded = { spec, ajv, operations };
  return loaded;
}

function resolve(spec: Json, node: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  let target: unknown = spec;
  for (const part of ref.replace(/^#\//, '').split('/')) target = (target as Json)[part];
  return target as Json;
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(ajv: Ajv, schema: Json): ValidateFunction {
  const ref = typeof schema.$ref === 'string' ? `zendesk${schema.$ref}` : null;
  if (ref) {
    const cached = validators.get(ref);
    if (cached) return cached;
    const compiled = ajv.getSchema(ref);
    if (!compiled) throw new Error(`no schema ${ref}`);
    validators.set(ref, compiled);
    return compiled;
  }
  return ajv.compile(schema);
}

/** Checks one request; `path` is the URL path with or without the `.json` suffix. */
export function checkAgainstSpec(
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): SpecVerdict {
  const specs = load();
  // No spec configured: nothing to check against (vendorSpecs.ts has already said so, loudly).
  if (!specs) return { covered: false };
  const { spec, ajv, operations } = specs;
  const clean = path.replace(/\.json$/, '');
  const operation = operations.find((op) => op.regex.test(clean));
  if (!operation) return { covered: false };
  const op = operation.methods[method];
  if (!op) {
    return {
      covered: true,
      operationId: `${method} ${operation.template}`,
      problems: [`${method} is not documented for ${operation.template}`],
    };
  }
  const problems: string[] = [];
  const parameters = [...operation.pathParameters, ...((op.parameters as Json[] | undefined) ?? [])].map(
    (p) => resolve(spec, p),
  );
  const queryParameters = parameters.filter((p) => p.in === 'query');
  const documented = new Set(queryParameters.map((p) => String(p.name)));
  for (const name of new Set(query.keys())) {
    if (!documented.has(name) && !GENERIC_QUERY.has(name))
      problems.push(`query parameter "${name}" is not documented`);
  }
  for (const p of queryParameters) {
    if (p.required === true && !query.has(String(p.name)))
      problems.push(`query parameter "${p.name}" is required`);
  }
  const requestBody = op.requestBody ? resolve(spec, op.requestBody as Json) : null;
  const schema = ((requestBody?.content as Json | undefined)?.['application/json'] as Json | undefined)
    ?.schema as Json | undefined;
  if (schema && body !== undefined) {
    const validate = validatorFor(ajv, schema);
    if (!validate(body)) {
      for (const error of validate.errors ?? []) problems.push(`body${error.instancePath} ${error.message}`);
    }
  } else if (requestBody?.required === true && body === undefined) {
    problems.push('a request body is required');
  }
  return { covered: true, operationId: String(op.operationId ?? operation.template), problems };
}
