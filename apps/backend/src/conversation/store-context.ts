import type { Sql } from '../db/client';
import type { StoreContext } from './script';

type Row = { name: string; departments: unknown; question_configuration: unknown };

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The store's name and context profile, as the script builder wants them. Null for an unknown store. */
export async function loadStoreContext(sql: Sql, storeId: string): Promise<StoreContext | null> {
  const [row] = await sql<Row[]>`
    select s.name, p.departments, p.question_configuration
    from stores s left join business_context_profiles p on p.store_id = s.id
    where s.id = ${storeId}`;
  if (!row) return null;
  const qc = (row.question_configuration ?? {}) as { custom_questions?: unknown };
  const custom = Array.isArray(qc.custom_questions) ? qc.custom_questions : [];
  return {
    storeName: row.name,
    departments: strings(row.departments),
    customQuestions: custom
      .filter((q): q is { id: string; text: string; priority?: number } =>
        typeof q === 'object' && q !== null && typeof (q as { text?: unknown }).text === 'string')
      .map((q, i) => ({ id: String(q.id ?? i + 1), text: q.text, priority: Number(q.priority ?? i + 1) })),
  };
}
