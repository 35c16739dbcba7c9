import express, { type Response, Router } from 'express';
import type { z } from 'zod';
import { AccountBody, type ElksControl, ElksFaultsBody, PersonaBody } from './control';
import type { ElksContext } from './state';

const invalid = (res: Response, error: z.ZodError): void => {
  res.status(400).json({ error: 'validation_error', issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
};

/** The simulator's own control API (no auth): personas, call records, stats, faults. */
export const elksControlRoutes = (ctx: ElksContext, control: ElksControl): Router => {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  router.post('/personas', (req, res) => {
    const body = PersonaBody.safeParse(req.body);
    if (!body.success) return invalid(res, body.error);
    control.setPersona(body.data.phone, body.data.persona);
    res.json(body.data);
  });
  router.get('/personas', (_req, res) => {
    res.json({ default: 'engaged', personas: Object.fromEntries(ctx.personas) });
  });
  router.get('/calls', (req, res) => {
    const to = typeof req.query.to === 'string' ? req.query.to : undefined;
    res.json({ data: control.listCalls(to ? { to } : {}) });
  });
  router.get('/calls/:id', (req, res) => {
    const call = control.getCall(req.params.id);
    if (!call) return res.status(404).json({ error: 'not_found', message: `no call ${req.params.id}` });
    res.json(call);
  });
  router.get('/stats', (_req, res) => {
    res.json(control.stats());
  });
  router.post('/faults', (req, res) => {
    const body = ElksFaultsBody.safeParse(req.body ?? {});
    if (!body.success) return invalid(res, body.error);
    res.json(control.setFaults(body.data));
  });
  router.post('/account', (req, res) => {
    const body = AccountBody.safeParse(req.body ?? {});
    if (!body.success) return invalid(res, body.error);
    res.json(control.setBalance(body.data.balance));
  });
  router.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return router;
};
