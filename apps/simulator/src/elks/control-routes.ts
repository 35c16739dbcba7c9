import express, { type Response, Router } from 'express';
import type { z } from 'zod';
import { AccountBody, type ElksControl, ElksFaultsBody, PersonaBody, WebsocketNumberBody } from './control';
import type { ElksContext } from './state';

const invalid = (res: Response, error: z.ZodError): void => {
  res.status(400).json({ error: 'validation_error', issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
};

/** The simulator's own control API (no auth): personas, WebSocket numbers, call records, stats, faults. */
export const elksControlRoutes = (ctx: ElksContext, control: ElksControl): Router => {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  router.post('/personas', (req, res) => {
    const body = PersonaBody.safeParse(req.body);
    if (!body.success) return invalid(res, body.error);
    const { phone, persona, ...settings } = body.data;
    control.setPersona(phone, persona, settings);
    res.json(body.data);
  });
  router.get('/personas', (_req, res) => {
    res.json({ default: 'engaged', personas: Object.fromEntries(ctx.personas), options: Object.fromEntries(ctx.personaOptions) });
  });
  router.post('/websocket-numbers', (req, res) => {
    const body = WebsocketNumberBody.safeParse(req.body ?? {});
    if (!body.success) return invalid(res, body.error);
    res.json(control.setWebsocketNumber(body.data.number, body.data.websocket_url, { frame_ms: body.data.frame_ms }));
  });
  router.get('/websocket-numbers', (_req, res) => {
    res.json({ data: control.listWebsocketNumbers() });
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
