import type { Sql } from '../db/client';
import type { BusinessPrincipal } from '../http/business-auth';
import { notFound } from '../http/errors';


export type ScopedStore = { id: string; name: string };

/**
 * The caller's stores (optionally one). A store of another business — or none at all — is a 404,
 * never a 403: existence is not leaked. Shared by search, trends and recommendations.
 */
export async function storesInScope(sql: Sql, who: BusinessPrincipal, storeId?: string): Promise<ScopedStore[]> {
  const rows = await sql<ScopedStore[]>`
    select st.id, st.name from stores st
    where st.business_id = any(${who.businessIds}) ${storeId ? sql`and st.id = ${storeId}` : sql``}
    order by st.name, st.id`;
  if (storeId && rows.length === 0) throw notFound('store', storeId);
  return rows;
}
