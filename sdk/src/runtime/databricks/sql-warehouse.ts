import { DBSQLClient, DBSQLLogger, LogLevel, thrift } from "@databricks/sql";
import type { QueryResult } from "../runtime.ts";
import type { WorkspaceConnection } from "./workspace-connection.ts";
import { redact, WorkspaceError } from "./workspace-error.ts";

export interface WarehouseQuery {
  warehouseId: string;
  sql: string;
  limit: number;
  /** Session catalog: two-part names (`gold.billing_daily`) resolve in the target's catalog. */
  catalog?: string;
}

const typeNames = thrift.TCLIService_types.TTypeId as unknown as Record<number, string>;

/** One session on a SQL warehouse: several statements (a monitor's checks) over one connection. */
export interface WarehouseSession {
  query(sql: string, limit: number): Promise<QueryResult>;
  close(): Promise<void>;
}

/**
 * Opens a session on a SQL warehouse with @databricks/sql, the analysts' client, authenticated with the
 * workspace connection's credential (PAT, profile or OAuth M2M token, fetched per request). TLS is
 * verified (the driver's default; a private CA comes from NODE_EXTRA_CA_CERTS); DECIMAL stays exact.
 */
export async function openWarehouse(conn: WorkspaceConnection, where: { warehouseId: string; catalog?: string }): Promise<WarehouseSession> {
  const url = new URL(conn.host);
  // the driver logs to a file by default; keep it quiet (errors surface as exceptions)
  const client = new DBSQLClient({ logger: new DBSQLLogger({ level: LogLevel.error }) });
  const failed = (err: unknown) => warehouseError(conn, where.warehouseId, err);
  try {
    await client.connect({
      host: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: `/sql/1.0/warehouses/${where.warehouseId}`,
      authType: "external-token",
      getToken: () => conn.bearer(),
      telemetryEnabled: false,
      preserveBigNumericPrecision: true,
      userAgentEntry: "lakebundle/0.1.0",
    });
    const session = await client.openSession(where.catalog ? { initialCatalog: where.catalog } : {});
    return {
      query: (sql, limit) => statement(session, sql, limit).catch((err) => { throw failed(err); }),
      close: async () => {
        await session.close().catch(() => undefined);
        await client.close();
      },
    };
  } catch (err) {
    await client.close().catch(() => undefined);
    throw failed(err);
  }
}

/** Runs one statement on a SQL warehouse in a session of its own. */
export async function queryWarehouse(conn: WorkspaceConnection, q: WarehouseQuery): Promise<QueryResult> {
  const session = await openWarehouse(conn, q);
  try {
    return await session.query(q.sql, q.limit);
  } finally {
    await session.close();
  }
}

type Session = Awaited<ReturnType<DBSQLClient["openSession"]>>;

async function statement(session: Session, sql: string, limit: number): Promise<QueryResult> {
  const op = await session.executeStatement(sql, { runAsync: true, maxRows: Math.min(limit + 1, 10_000) });
  try {
    const rows: Record<string, unknown>[] = [];
    do {
      rows.push(...((await op.fetchChunk({ maxRows: Math.min(limit + 1, 10_000) })) as Record<string, unknown>[]));
    } while (rows.length <= limit && (await op.hasMoreRows()));
    const schema = await op.getSchema();
    const columns = (schema?.columns ?? []).sort((a, b) => a.position - b.position).map((c) => ({ name: c.columnName, type: typeName(c.typeDesc) }));
    return {
      columns,
      rows: rows.slice(0, limit).map((r) => columns.map((c) => plain(r[c.name], c.type))),
      truncated: rows.length > limit,
    };
  } finally {
    await op.close();
  }
}

function warehouseError(conn: WorkspaceConnection, warehouseId: string, err: unknown): WorkspaceError {
  if (err instanceof WorkspaceError) return err;
  const message = redact((err as Error).message ?? String(err));
  return new WorkspaceError(`SQL warehouse ${warehouseId} on ${conn.host}: ${message}`, /certificate|self[- ]signed|UNABLE_TO/i.test(message)
    ? "the warehouse's certificate is not trusted: point NODE_EXTRA_CA_CERTS at the CA that signed it"
    : "check the warehouse id (SQL Warehouses → Connection details), that it is running or can start, and the statement");
}

/** Spark SQL type names as the local engine prints them (string, bigint, decimal(38,6), ...). */
function typeName(desc: { types: { primitiveEntry?: { type: number; typeQualifiers?: { qualifiers: Record<string, { i32Value?: number }> } } }[] }): string {
  const p = desc.types[0]?.primitiveEntry;
  if (!p) return "complex";
  const base = (typeNames[p.type] ?? "UNKNOWN").replace(/_TYPE$/, "").toLowerCase();
  const qual = p.typeQualifiers?.qualifiers;
  if (base === "decimal" && qual) return `decimal(${qual.precision?.i32Value ?? 38},${qual.scale?.i32Value ?? 0})`;
  return base === "int" ? "int" : base;
}

/** JSON-safe values: BIGINT arrives as a JS bigint (exact): small ones become numbers, others strings; a DATE prints as its day. */
function plain(v: unknown, type: string): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return type === "date" ? v.toISOString().slice(0, 10) : v.toISOString();
  return v ?? null;
}
