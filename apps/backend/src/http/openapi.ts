import { ErrorResponse } from '@samtal/types';
import { z } from 'zod';

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate the requests
 * (zod 4's JSON Schema output is JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 */

export type Auth = 'apiKey' | 'businessToken' | 'verificationSecret' | 'webhookToken' | 'none';
export type RouteDoc = {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI path syntax: /api/ai/calls/{call_session_id}/status */
  path: string;
  summary: string;
  tag: string;
  auth: Auth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  bodyType?: 'application/json' | 'application/x-www-form-urlencoded';
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
};

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
};

function parameters(obj: z.ZodObject | undefined, where: 'path' | 'query') {
  if (!obj) return [];
  return Object.entries(obj.shape).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(field as z.ZodType, 'input'),
  }));
}

const SECURITY: Record<Auth, Array<Record<string, string[]>>> = {
  apiKey: [{ apiKey: [] }],
  businessToken: [{ businessToken: [] }],
  verificationSecret: [{ verificationSecret: [] }],
  webhookToken: [{ webhookToken: [] }],
  none: [],
};

export function buildOpenApi(routes: RouteDoc[], info: { version: string; serverUrl?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const errorResponses = Object.fromEntries(
      [400, 401, 403, 404, 409, 429, 500]
        .filter((s) => !(s in r.responses))
        .map((s) => [s, { $ref: `#/components/responses/Error${s}` }]),
    );
    paths[r.path] ??= {};
    paths[r.path]![r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      security: SECURITY[r.auth],
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body
        ? { requestBody: { required: true, content: { [r.bodyType ?? 'application/json']: { schema: jsonSchema(r.body, 'input') } } } }
        : {}),
      responses: {
        ...Object.fromEntries(
          Object.entries(r.responses).map(([status, res]) => [
            status,
            {
              description: res.description,
              ...(res.schema ? { content: { [res.contentType ?? 'application/json']: { schema: jsonSchema(res.schema, 'output') } } } : {}),
            },
          ]),
        ),
        ...errorResponses,
      },
    };
  }
  const errorSchema = jsonSchema(ErrorResponse, 'output');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Samtal API',
      version: info.version,
      description: 'Swedish post-purchase feedback calls: call sessions, analysis, and the business API. Errors use ErrorResponse.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Internal callers: ADMIN_API_KEY' },
        businessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Supabase access token of a business user' },
        verificationSecret: { type: 'http', scheme: 'bearer', description: 'VERIFICATION_WEBHOOK_SECRET (Supabase database webhook)' },
        webhookToken: { type: 'apiKey', in: 'query', name: 't', description: 'HMAC token on every URL handed to 46elks' },
      },
      schemas: { ErrorResponse: errorSchema },
      responses: Object.fromEntries(
        [400, 401, 403, 404, 409, 429, 500].map((s) => [
          `Error${s}`,
          { description: `Error (${s})`, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } },
        ]),
      ),
    },
  };
}
