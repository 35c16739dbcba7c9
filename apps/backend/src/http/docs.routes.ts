import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { ROUTES } from './api-docs';
import { buildOpenApi } from './openapi';

const VERSION = '0.1.0';

/** GET /openapi.json (generated from the zod schemas) and GET /docs (Swagger UI, served locally). */
export const docsRoutes = () => {
  const doc = buildOpenApi(ROUTES, { version: VERSION });
  return Router()
    .get('/openapi.json', (_req, res) => {
      res.json(doc);
    })
    .use('/docs', swaggerUi.serve, swaggerUi.setup(doc, { customSiteTitle: 'Samtal API' }));
};
