import { GenerateReportRequest, ListReportsQuery, ReportParams } from '@samtal/types';
import { Router } from 'express';
import type { Deps } from '../deps';
import { principal } from '../http/business-auth';
import { notFound } from '../http/errors';
import { findReport, listReports, toReport } from './reports.repo';
import { generateReport } from './weekly-report';

/** Weekly reports for business users (mounted behind requireBusinessUser). */
export const reportsRoutes = (deps: Deps) =>
  Router()
    .post('/reports/generate', async (req, res) => {
      const body = GenerateReportRequest.parse(req.body);
      const { report, created } = await generateReport(deps, principal(req).businessIds, body);
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
