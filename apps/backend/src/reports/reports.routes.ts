import { GenerateReportRequest, ListReportsQuery, ReportParams } from '@samtal/types';
import { Router } from 'express';
import type { Deps } from '../deps';
import { principal } from '../http/business-auth';
import { AppError, forbidden, notFound } from '../http/errors';
import { findReport, listReports, toReport } from './reports.repo';
import { generateReport } from './weekly-report';

/** A forced rebuild of one store-week may run once per this interval. */
export const REBUILD_INTERVAL_MS = 10 * 60_000;

/** Weekly reports for business users (mounted behind requireBusinessUser). */
export const reportsRoutes = (deps: Deps) =>
  Router()
    .post('/reports/generate', async (req, res) => {
      const body = GenerateReportRequest.parse(req.body);
      const who = principal(req);
      if (body.force) {
        // A rebuild costs a model call: owners and admins only, and once per store and week per interval.
        const [own] = await deps.sql`select 1 from stores where id = ${body.store_id} and business_id = any(${who.businessIds})`;
        if (!own) throw notFound('store', body.store_id);
        const [managed] = await deps.sql`select 1 from stores where id = ${body.store_id} and business_id = any(${who.managedBusinessIds})`;
        if (!managed) throw forbidden('only an owner or admin of the business may rebuild a report');
        const key = deps.key('report-rebuild', body.store_id, body.analysis_week ?? 'last');
        const fresh = await deps.redis.set(key, '1', 'PX', REBUILD_INTERVAL_MS, 'NX');
        if (fresh !== 'OK') {
          const wait = await deps.redis.pttl(key);
          res.setHeader('Retry-After', String(Math.max(1, Math.ceil((wait > 0 ? wait : REBUILD_INTERVAL_MS) / 1000))));
          throw new AppError('rate_limited', `this report was rebuilt less than ${REBUILD_INTERVAL_MS / 60_000} minutes ago`);
        }
      }
      const { report, created } = await generateReport(deps, who.businessIds, body);
      res.status(created ? 201 : 200).json(report);
    })
    .get('/reports/:report_id', async (req, res) => {
      const { report_id } = ReportParams.parse(req.params);
      const row = await findReport(deps.sql, principal(req).businessIds, report_id);
      if (!row) throw notFound('report', report_id);
      res.json(toReport(row));
    })
    .get('/reports', async (req, res) => {
      const q = ListReportsQuery.parse(req.query);
      const { businessIds } = principal(req);
      if (q.store_id) {
        const [own] = await deps.sql`select 1 from stores where id = ${q.store_id} and business_id = any(${businessIds})`;
        if (!own) throw notFound('store', q.store_id);
      }
      const { rows, total } = await listReports(deps.sql, businessIds, q);
      res.json({ reports: rows.map(toReport), total, page: q.page, page_size: q.page_size });
    });
