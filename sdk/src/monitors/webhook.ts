/**
 * Alert sink: POSTs the breaches as JSON, retrying a failed delivery (network error, 5xx, 429) with
 * backoff; each attempt is bounded by a timeout. Returns whether it was delivered (never throws: an
 * alert sink that is down must not hide the breach, which the exit code and stdout still report).
 */
export async function postWebhook(url: string, payload: unknown, opts: { attempts?: number; timeoutMs?: number; backoffMs?: number } = {}): Promise<{ delivered: boolean; attempts: number; error?: string }> {
  const attempts = opts.attempts ?? 3;
  let error = "";
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload), signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
      if (res.ok) return { delivered: true, attempts: i };
      error = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 429) return { delivered: false, attempts: i, error };
    } catch (err) {
      error = (err as Error).name === "TimeoutError" ? `no answer within ${opts.timeoutMs ?? 5000} ms` : (err as Error).message;
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 500) * 2 ** (i - 1)));
  }
  return { delivered: false, attempts, error };
}
